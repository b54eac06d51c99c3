// What a member's session does with private messages from the facilitator it
// acts on itself, and what it keeps for the facilitator while none is connected.
// Split from session.js (client/member_session.py holds both in Python).
import { equalBytes, hexOf } from './crypto.js';

export const KEPT_LIMIT = 32; // messages to the facilitator kept while none is connected
const DELEGATION_WAIT_MS = 5000; // a waiting member's wait for a listed party's delegation
const TOO_MANY_KEPT = 'Not sent: no facilitator is connected right now, and many of your messages are '
  + 'already waiting for them. Please try again when they are back.';

/** Private messages from a facilitator (the lead or a co-facilitator) a member's
 * session acts on itself: handler(session, body, sender). */
export const DIRECT_HANDLERS = {
  key: (s, body, sender) => takeKey(s, body, sender),
  key_current: (s, body, sender) => s.keyGuard.answered(body, sender),
  agreement: (s, body) => {
    // Its co-facilitators (their delegations verified with the body), so a
    // waiting member can write to them too.
    for (const co of body.cofacilitators || []) s.verifier.facilitators.accept(co.vk, co.delegation);
    s.agreement = { text: body.text, resources: body.resources };
    s.resources = body.resources;
    s.emit({ type: 'AgreementOffered', text: body.text, resources: body.resources });
  },
  resources: (s, body) => { s.resources = body.text; s.emit({ type: 'ResourcesSent', text: body.text }); },
  consent_request: (s, body, sender) => {
    s.consentAsked = { reason: body.reason, contact: body.contact || '', from: sender };
    s.emit({ type: 'ConsentRequested', ...s.consentAsked });
  },
  check_in: (s, body, sender) => {
    s.lastCheckIn = body.text;
    s.emit({ type: 'DirectMessage', sender, kind: 'check_in', body });
  },
};

/** A key from a trusted facilitator (the lead or a co-facilitator), under the
 * same rules: only an epoch above ours; intro/since restarts that sender. */
function takeKey(s, body, sender) {
  const keys = s.verifier.keys;
  if (body.epoch === keys.epoch && equalBytes(body.key, keys.current)) {
    s.keySender = sender;
    s.keyGuard.confirm(); // the same key again: it did not hear us
    return;
  }
  keys.install(body.epoch, body.key, s.clock()); // refuses an epoch not above ours
  s.keySender = sender; // our key_ok goes to whoever sent the key we hold
  s.keyGuard.newKey(body.epoch);
  if (body.intro) {
    // Its console restarted: nothing it sealed before (counters up to since) is
    // taken now, and it learns our name again, once.
    s.verifier.restartBaseline(sender, body.since || 0);
    s._trySend(() => s._sendDirect(sender, 'introduce', { name: s.name, epoch: body.epoch }));
  }
  s.keyGuard.confirm();
  // A restarted console let us back in knowing nothing of our raised hand: raise
  // it there again once the key is proven (one that kept it shows it once all the same).
  if (body.intro && s.handUp && !s._trySend(() => s.hand(true))) s.handUp = false;
  s.emit({ type: 'KeyChanged', epoch: body.epoch });
  s._retryPending();
}

/** Whether a facilitator is connected and which (the relay's word: it changes
 * only what the member is told and where private messages go, never what is
 * trusted), and what the member asked to send them meanwhile. A member's words
 * go to every trusted facilitator the relay lists as connected (trust.js). */
export class FacilitatorWatch {
  constructor(session, { SessionError }) {
    this.session = session;
    this.SessionError = SessionError;
    this.here = true; // a facilitator we trust is connected, says the relay
    this._present = true; // the relay's word alone: some facilitator party is
    this._seen = false; // counted one present yet (chatlines.js facilitatorLine)
    this._said = true; // what the member was last told
    this._waiting = null; // timer: waiting for a listed party's delegation
    this.kept = []; // [kind, fields, to (null: every facilitator)]
    this._greeted = new Set(); // co-facilitators sent hello{name}, once each
    this._cos = 0; // how many co-facilitators the member was last told of
  }

  get trust() { return this.session.verifier.facilitators; }

  /** The relay's word (here: the connected parties, from newer relays).
   * Returns the trusted facilitators it lists now that it did not before. */
  is(present, here) {
    const before = this.reachable();
    this._present = present;
    this.trust.setHere(present ? here : []);
    const was = this.here;
    this.update();
    // Back after none was: a restarted console holds a key we do not (freshness.js).
    if (this.here && !was) this.session.keyGuard.freshness.doubted = true;
    return this.reachable().filter((vk) => !before.some((b) => equalBytes(b, vk)));
  }

  /** A facilitator is here when the relay lists one we trust (client/member_session.py). */
  update() {
    // What the member sends is kept at once while no trusted one is listed.
    this.here = this._present && this.trust.targets().length > 0;
    const listed = this.trust.here !== null && this.trust.here.length > 0;
    if (this.here === this._said) this._stopWaiting();
    else if (!this.here && this._present && listed && this.session.role === 'lobby') {
      // The relay lists a facilitator party we do not trust yet: a co-facilitator
      // sends its delegation with the agreement at once, so wait for it rather
      // than say nobody is there and then somebody is.
      if (this._waiting === null) {
        this._waiting = setTimeout(() => { this._waiting = null; if (this.here !== this._said) this._say(); },
          DELEGATION_WAIT_MS);
      }
    } else this._say();
    this._seen = this._seen || this.here;
  }

  _stopWaiting() { clearTimeout(this._waiting); this._waiting = null; }

  _say() {
    this._stopWaiting();
    this._said = this.here;
    this.session.emit({ type: 'FacilitatorPresence', present: this.here, seen: this._seen });
  }

  /** The trusted facilitators the relay lists as connected (only `to`, if given). */
  reachable(to = null) {
    if (!this.here) return [];
    const targets = this.trust.targets();
    return to ? targets.filter((vk) => equalBytes(vk, to)) : targets;
  }

  canReach(vk) { return vk !== null && this.reachable(vk).length > 0; }

  _sendTo(targets, kind, fields) {
    for (const vk of targets) this.session._sendDirect(vk, kind, fields);
  }

  /** Send now, returning to how many facilitators (the member is told "the
   * facilitators" when more than one), or keep it for a facilitator's return (0). */
  send(kind, fields, to = null) {
    const s = this.session;
    const targets = this.reachable(to);
    if (targets.length && s.connected) { this._sendTo(targets, kind, fields); return targets.length; }
    if (this.kept.length >= KEPT_LIMIT) throw new this.SessionError(TOO_MANY_KEPT);
    this.kept.push([kind, fields, to]);
    return 0;
  }

  /** Send to every reachable facilitator if connected; false if it went to none. */
  trySend(kind, fields = {}, to = null) {
    const targets = this.reachable(to);
    return targets.length > 0 && this.session._trySend(() => this._sendTo(targets, kind, fields));
  }

  /** A facilitator that knows us answered: what was kept goes, in order; what
   * is for one not back yet (a consent answer for who asked) waits for them. */
  deliver(only = null) {
    this.kept = this.kept.filter(([kind, fields, to]) => (only !== null && kind !== only)
      || !this.trySend(kind, fields, to));
  }

  /** Whom we trust, or who is connected, may have changed. Knocks are sealed to
   * the lead: a co-facilitator learns our name from hello{name}, sent once, as
   * soon as we trust it and it is connected. */
  trustChanged() {
    this.update();
    const cos = this.trust.cos.length;
    if (cos !== this._cos) {
      // Who reads a member's private words is the member's to know.
      this._cos = cos;
      this.session.emit({ type: 'CoFacilitators', count: cos });
    }
    for (const co of this.trust.cos) {
      const key = hexOf(co);
      if (!this._greeted.has(key) && this.trySend('hello', { name: this.session.name }, co)) this._greeted.add(key);
    }
    // From the waiting room what was kept goes at once: it is sealed to each trusted
    // facilitator, and there is no group key to prove; a seated member's call for
    // help goes at once too (client/member_session.py).
    this.deliver(this.session.seated ? 'help' : null);
  }
}
