// Whom a member trusts as a facilitator (docs/PROTOCOL.md, "Co-facilitators"):
// the lead pinned by the invite link, and every co-facilitator the lead's
// signature names (a delegation), until a roster signed by the lead leaves it
// out. The relay's `here` list decides only where a member's words go, never
// whom to trust: a relay cannot make anyone a facilitator.
import sodium from 'libsodium-wrappers';

export const DELEGATION_CONTEXT = new TextEncoder().encode('holdspace/v1/cofacilitator');
export const MAX_COFACILITATORS = 2;

const hex = (vk) => sodium.to_hex(vk);
const same = (a, b) => a.length === b.length && sodium.memcmp(a, b);

/** The message the lead signs: context ‖ room (16) ‖ co_vk (32). */
export const delegationMessage = (room, coVk) => new Uint8Array([...DELEGATION_CONTEXT, ...room, ...coVk]);

/** Does `signature` make coVk a co-facilitator of room, signed by the lead?
 * (client/trust.py delegation_valid; `usable`: coVk is a key we could write to.) */
export function delegationValid(leadVk, room, coVk, signature, usable = () => true) {
  if (!(signature instanceof Uint8Array) || !(coVk instanceof Uint8Array) || same(coVk, leadVk)) return false;
  try {
    return sodium.crypto_sign_verify_detached(signature, delegationMessage(room, coVk), leadVk) && usable(coVk);
  } catch {
    return false; // a malformed key or signature proves nothing
  }
}

const cosIn = (members) => members.filter((m) => m.role === 'cofacilitator');

export class Facilitators {
  constructor(leadVk, room, usable = () => true) {
    this.lead = leadVk;
    this.room = room;
    this._usable = usable;
    this._cos = new Map(); // hex vk -> vk: trusted co-facilitators
    this._revoked = new Set(); // hex vks a lead-signed roster left out: trusted again only by the lead's roster
    this.here = null; // the relay's latest list of connected facilitator parties; null: it sent none
  }

  isLead(vk) { return same(vk, this.lead); }

  isCo(vk) { return this._cos.has(hex(vk)); }

  trusts(vk) { return this.isLead(vk) || this.isCo(vk); }

  get cos() { return [...this._cos.values()]; }

  valid(coVk, delegation) { return delegationValid(this.lead, this.room, coVk, delegation, this._usable); }

  /** A roster is taken only if every co-facilitator it names has a valid
   * delegation, and it names no more than a room may have (else refused whole). */
  rosterValid(members) {
    const cos = cosIn(members);
    return cos.length <= MAX_COFACILITATORS && cos.every((m) => this.valid(m.vk, m.delegation));
  }

  /** Trust coVk on the lead's valid delegation, unless revoked; true if trusted now. */
  accept(coVk, delegation) {
    if (this.trusts(coVk)) return true;
    if (this._revoked.has(hex(coVk)) || !this.valid(coVk, delegation)) return false;
    this._cos.set(hex(coVk), coVk);
    return true;
  }

  /** Take a roster already checked (rosterValid): trust the co-facilitators it
   * names; one signed by the lead revokes those it leaves out, until a roster
   * of the lead's names them again (client/trust.py). */
  fromRoster(members, sender) {
    if (this.isLead(sender)) for (const m of cosIn(members)) this._revoked.delete(hex(m.vk));
    for (const m of cosIn(members)) this.accept(m.vk, m.delegation);
    if (!this.isLead(sender)) return;
    const listed = new Set(cosIn(members).map((m) => hex(m.vk)));
    for (const key of [...this._cos.keys()]) {
      if (!listed.has(key)) { this._cos.delete(key); this._revoked.add(key); }
    }
  }

  /** The relay's word on who is connected (undefined: it did not say). */
  setHere(list) { this.here = list === undefined ? null : list; }

  listed(vk) { return this.here === null || this.here.some((h) => same(h, vk)); }

  /** Where a member's words go: the trusted facilitators the relay lists as connected. */
  targets() { return [this.lead, ...this.cos].filter((vk) => this.listed(vk)); }
}
