// Whether the member's group key is still the current one, on the member's own
// clock (mirrors client/freshness.py and the key rules of client/member_session.py).
// The member asks with key_ok (under counter n); the facilitator answers
// key_current{epoch, asked: n}. An answer naming our epoch proves it current
// until STALE_SECONDS after our question was sent. Unproven for that long, or
// told of a newer epoch, the member is cut off and reconnects.
import { hexOf } from './crypto.js';

export const STALE_SECONDS = 60;
export const HEARTBEAT_SECONDS = 20;
export const FRESH_WAIT = 5; // seconds a message waits for a new key's proof
export const NO_FACILITATOR = 'Not sent: no facilitator is connected right now, so the group is paused. '
  + 'They may be back shortly.';
export const CUT_OFF = 'Not sent: your connection has not been getting the group\'s latest messages, '
  + 'so you are cut off for now. Reconnecting...';
export const UNCONFIRMED = 'Not sent: the facilitator is back but has not confirmed your place in the group '
  + 'yet, so nobody could have read it. They may need to let you back in first.';

const question = (to, n) => `${hexOf(to)}:${n}`;

export class KeyFreshness {
  constructor(staleAfter = STALE_SECONDS) {
    this.staleAfter = staleAfter;
    this.epoch = -1;
    this.installedAt = 0;
    this.provenUntil = null; // null: not proven since the key came
    this._asked = new Map(); // question's counter -> when it was sent
    // A facilitator came back after none was connected: it may be a restarted
    // console that has not let us back in, so nothing is sent before a new proof.
    this.doubted = false;
  }

  newKey(epoch, now) { Object.assign(this, { epoch, installedAt: now, provenUntil: null }); }

  asked(n, now) {
    for (const [k, t] of this._asked) if (now - t >= this.staleAfter) this._asked.delete(k);
    this._asked.set(n, now);
  }

  /** 'fresh', 'behind' (the facilitator is on a key we never got) or 'ignored'. */
  answered(asked, currentEpoch) {
    const sentAt = this._asked.get(asked);
    this._asked.delete(asked);
    if (sentAt === undefined || currentEpoch < this.epoch) return 'ignored';
    if (currentEpoch > this.epoch) return 'behind';
    this.doubted = false;
    this.provenUntil = Math.max(this.provenUntil ?? -Infinity, sentAt + this.staleAfter);
    return 'fresh';
  }

  current(now) { return !this.doubted && this.provenUntil !== null && now < this.provenUntil; }

  stale(now) {
    const deadline = this.provenUntil === null ? this.installedAt + this.staleAfter : this.provenUntil;
    return now >= deadline;
  }
}

/** The session's side of it: asks, takes answers, holds group messages typed
 * while a new key waits for its proof, cuts the member off. */
export class KeyGuard {
  constructor(session, { SessionError, heartbeat = HEARTBEAT_SECONDS, staleAfter = STALE_SECONDS }) {
    this.session = session;
    this.SessionError = SessionError;
    this.freshness = new KeyFreshness(staleAfter);
    this.heartbeat = heartbeat;
    this.cutOff = false;
    this._waiting = []; // sends held for the proof of a new key
    this._timer = null;
  }

  newKey(epoch) {
    this.freshness.newKey(epoch, this.session.clock());
    this.cutOff = false;
    if (this._timer === null) this._timer = setInterval(() => this.tick(), this.heartbeat * 1000);
  }

  stop() { clearInterval(this._timer); this._timer = null; this._waiting = []; }

  /** Tell whoever sent our key which one we hold; its answer proves it current.
   * (Counters are per recipient: a question is known by its recipient and n.) */
  confirm() {
    const s = this.session;
    const to = s.keySender;
    if (!s.facilitator.canReach(to)) return; // not connected: asked again when it is back
    s._trySend(() => {
      s._sendDirect(to, 'key_ok', { epoch: s.verifier.keys.epoch });
      this.freshness.asked(question(to, s.sealer.lastN), s.clock());
    });
  }

  answered(body, sender) {
    const answer = this.freshness.answered(question(sender, body.asked), body.epoch);
    if (answer === 'fresh') {
      this.cutOff = false;
      const waiting = this._waiting;
      this._waiting = [];
      for (const send of waiting) this.session._trySend(send);
      this.session.facilitator.deliver();
    } else if (answer === 'behind') {
      this.cut();
    }
  }

  /** Every heartbeat: give up a key unproven for too long, and ask again. */
  tick() {
    const s = this.session;
    if (!s.seated || s.verifier.keys.current === null || !s.connected) return;
    if (!s.facilitator.canReach(s.keySender)) return; // nobody to prove the key; sending waits for them
    if (this.freshness.stale(s.clock()) && !this.cutOff) { this.cut(); return; }
    this.confirm();
  }

  cut() {
    this.cutOff = true;
    this._waiting = [];
    this.session.emit({ type: 'CutOff' });
    this.session.dropLink();
  }

  /** Send now under a key proven current; hold it briefly for a new key's proof. */
  whenCurrent(send) {
    const now = this.session.clock();
    if (this.freshness.current(now)) { send(); return; }
    if (this.cutOff || this.freshness.stale(now)) throw new this.SessionError(CUT_OFF);
    this._waiting.push(send);
    this.confirm();
    setTimeout(() => {
      const i = this._waiting.indexOf(send);
      if (i < 0) return;
      this._waiting.splice(i, 1);
      this.session.emit({ type: 'NotSent', detail: this.freshness.doubted ? UNCONFIRMED : CUT_OFF });
    }, FRESH_WAIT * 1000);
  }
}
