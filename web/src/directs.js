// What a member's session does with private messages from the facilitator it
// acts on itself, and what it keeps for the facilitator while none is connected.
// Split from session.js (client/member_session.py holds both in Python).

export const KEPT_LIMIT = 32; // messages to the facilitator kept while none is connected
const TOO_MANY_KEPT = 'Not sent: no facilitator is connected right now, and many of your messages are '
  + 'already waiting for them. Please try again when they are back.';

/** Private messages from the facilitator a member's session acts on itself. */
export const DIRECT_HANDLERS = {
  key: (s, body) => s.takeKey(body),
  key_current: (s, body) => s.keyGuard.answered(body),
  agreement: (s, body) => {
    s.agreement = { text: body.text, resources: body.resources };
    s.resources = body.resources;
    s.emit({ type: 'AgreementOffered', text: body.text, resources: body.resources });
  },
  resources: (s, body) => { s.resources = body.text; s.emit({ type: 'ResourcesSent', text: body.text }); },
  consent_request: (s, body) => {
    s.consentAsked = { reason: body.reason, contact: body.contact || '' };
    s.emit({ type: 'ConsentRequested', ...s.consentAsked });
  },
  check_in: (s, body) => {
    s.lastCheckIn = body.text;
    s.emit({ type: 'DirectMessage', sender: s.facilitatorVk, kind: 'check_in', body });
  },
};

/** Whether a facilitator is connected (the relay's word: it changes only what the
 * member is told and when private messages go, never what is trusted), and what
 * the member asked to send them meanwhile. */
export class FacilitatorWatch {
  constructor(session, { SessionError }) {
    this.session = session;
    this.SessionError = SessionError;
    this.here = true;
    this.kept = [];
  }

  is(present) {
    if (present === this.here) return;
    this.here = present;
    this.session.emit({ type: 'FacilitatorPresence', present });
  }

  /** Send now (true) or keep it for a facilitator's return (false). */
  send(kind, fields) {
    const s = this.session;
    if (this.here && s.connected) { s._sendDirect(kind, fields); return true; }
    if (this.kept.length >= KEPT_LIMIT) throw new this.SessionError(TOO_MANY_KEPT);
    this.kept.push([kind, fields]);
    return false;
  }

  /** A facilitator that knows us answered: what was kept goes, in order. */
  deliver() {
    while (this.kept.length) {
      const [kind, fields] = this.kept[0];
      if (!this.session._trySend(() => this.session._sendDirect(kind, fields))) return;
      this.kept.shift();
    }
  }
}
