// What can go wrong opening a message, in plain words: every acceptance rule
// refuses with CryptoError(reason). Mirrors client/errors.py.

export const REASONS = {
  no_key: 'a message arrived for a key we do not hold',
  undecryptable: 'a message could not be decrypted',
  bad_signature: 'a message had a signature that did not match its sender',
  not_in_roster: 'a message came from someone the facilitator has not let in',
  facilitator_only: 'a message only the facilitator may send came from someone else',
  wrong_room: 'a message belonged to another room',
  wrong_epoch: 'a message claimed a different key period than it was sealed with',
  wrong_recipient: 'a private message was addressed to someone else',
  replayed: 'a message was a repeat or out of order',
  duplicate: 'a message we already had came again',
  not_from_facilitator: 'a private message did not come from the facilitator',
  bad_delegation: 'someone was named a co-facilitator without the facilitator\'s signature',
  stale_key: 'an old or repeated key was offered',
  bad_key: 'a key was malformed',
  malformed: 'a message was malformed',
};

export class CryptoError extends Error {
  constructor(reason, detail = '') {
    super(detail ? `${reason}: ${detail}` : reason);
    this.reason = reason;
    this.detail = detail;
  }

  get plain() { return REASONS[this.reason] || 'a message could not be verified'; }
}
