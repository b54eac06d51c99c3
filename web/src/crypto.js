// End-to-end crypto in the browser, built only from libsodium's constructions.
// Mirrors client/identity.py and client/crypto.py name for name, so they can be read side by side
// and run against the same vectors (tests/test_web_interop.py).
//
// Identities are Ed25519 keys; Box keys are derived from them. Group messages are
// signed by the sender, then sealed with the epoch's SecretBox key; direct messages
// are sealed with Box. Every nonce is random and travels in front of the
// ciphertext, as PyNaCl does. Anything that goes wrong becomes CryptoError(reason).
import sodium from 'libsodium-wrappers';
import { EpochKeys, KEY_LEN } from './epochs.js';
import { CryptoError } from './errors.js';
import * as payloads from './payloads.js';
import { Facilitators } from './trust.js';
import { GroupCounters } from './unechoed.js';
import { ProtocolError, VK_LEN, authMessage, pack as packBody, unpack as unpackBody } from './wire.js';

export const SAFETY_CONTEXT = new TextEncoder().encode('holdspace-safety-v1');
const NONCE_BYTES = 24;

export { CryptoError, REASONS } from './errors.js';
export { EpochKeys, KEY_LEN, OLD_KEY_SECONDS } from './epochs.js';

/** libsodium loads its WebAssembly first: await this once before anything else. */
export const ready = () => sodium.ready;

// --- encodings ---------------------------------------------------------------

export const b64e = (data) => sodium.to_base64(data, sodium.base64_variants.URLSAFE_NO_PADDING);

export function b64d(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) throw new CryptoError('malformed', 'not base64url');
  try {
    return sodium.from_base64(text, sodium.base64_variants.URLSAFE_NO_PADDING);
  } catch {
    throw new CryptoError('malformed', 'not base64url');
  }
}

export const pack = (body) => packBody(body);

export function unpack(data) {
  try {
    return unpackBody(data);
  } catch (exc) {
    throw new CryptoError('malformed', exc.msg || 'not msgpack');
  }
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function equalBytes(a, b) {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a[i] ^ b[i];
  return diff === 0;
}

// --- identities --------------------------------------------------------------

export function verifyKey(vk) {
  if (!(vk instanceof Uint8Array) || vk.length !== VK_LEN) throw new CryptoError('bad_key', 'a verify key is 32 bytes');
  return vk;
}

const usableKey = (vk) => { try { boxPublicKey(vk); return true; } catch { return false; } };

/** The X25519 key of an identity; refuses invalid and low-order points. */
export function boxPublicKey(vk) {
  let curve;
  try {
    curve = sodium.crypto_sign_ed25519_pk_to_curve25519(verifyKey(vk));
  } catch (exc) {
    if (exc instanceof CryptoError) throw exc;
    throw new CryptoError('bad_key', 'not a valid public key');
  }
  if (isLowOrder(curve)) throw new CryptoError('bad_key', 'low-order public key');
  return curve;
}

// A Box with a low-order point yields a predictable shared key; libsodium's
// crypto_box_beforenm refuses it, so try it against a throwaway key.
function isLowOrder(curvePk) {
  try {
    sodium.crypto_box_beforenm(curvePk, sodium.crypto_box_keypair().privateKey);
    return false;
  } catch {
    return true;
  }
}

/** A party's per-session signing key (members use a fresh one every session). */
export class Identity {
  constructor(keypair) {
    this._keypair = keypair;
    this.vk = keypair.publicKey;
  }

  static generate() { return new Identity(sodium.crypto_sign_keypair()); }

  static fromSeed(seed) {
    if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new CryptoError('bad_key', 'a seed is 32 bytes');
    return new Identity(sodium.crypto_sign_seed_keypair(seed));
  }

  get seed() { return this._keypair.privateKey.slice(0, 32); }

  get boxSecret() { return sodium.crypto_sign_ed25519_sk_to_curve25519(this._keypair.privateKey); }

  answerChallenge(nonce) { return sodium.crypto_sign_detached(authMessage(nonce), this._keypair.privateKey); }

  /** The signed message: signature (64 bytes) then the message, as PyNaCl's sign(). */
  sign(message) { return sodium.crypto_sign(message, this._keypair.privateKey); }

  wipe() { sodium.memzero(this._keypair.privateKey); }
}

export function safetyCode(vk) {
  const digest = sodium.crypto_generichash(8, concat(SAFETY_CONTEXT, vk), null);
  const digits = (BigInt(`0x${sodium.to_hex(digest)}`) % 10n ** 12n).toString().padStart(12, '0');
  return `${digits.slice(0, 4)} ${digits.slice(4, 8)} ${digits.slice(8, 12)}`;
}

export const inviteHash = (secret) => sodium.crypto_generichash(32, secret, null);
export const randomBytes = (n) => sodium.randombytes_buf(n);
export const newEpochKey = () => sodium.randombytes_buf(KEY_LEN);

// --- counters ------------------------------------------------------------------

/** A sender's message counter. It starts at the clock (microseconds) so it
 * still only grows after a restart, without storing anything. */
export class Counter {
  constructor(start = null) { this._last = start === null ? Date.now() * 1000 : start; }

  next() { this._last += 1; return this._last; }
}

// --- sealing -------------------------------------------------------------------

export function sealGroup(identity, key, body) {
  const nonce = sodium.randombytes_buf(NONCE_BYTES);
  return concat(nonce, sodium.crypto_secretbox_easy(identity.sign(pack(body)), nonce, key));
}

function secretboxOpen(key, ct) {
  if (!(ct instanceof Uint8Array) || ct.length < NONCE_BYTES + 16) throw new CryptoError('undecryptable');
  try {
    return sodium.crypto_secretbox_open_easy(ct.subarray(NONCE_BYTES), ct.subarray(0, NONCE_BYTES), key);
  } catch {
    throw new CryptoError('undecryptable');
  }
}

/** Box(identity, peer): the shared key computed once, as PyNaCl's Box does. */
export class Box {
  constructor(identity, peerVk) {
    const peer = boxPublicKey(peerVk);
    try {
      this._shared = sodium.crypto_box_beforenm(peer, identity.boxSecret);
    } catch {
      throw new CryptoError('bad_key', 'cannot make a box with that key');
    }
  }

  encrypt(message) {
    const nonce = sodium.randombytes_buf(NONCE_BYTES);
    return concat(nonce, sodium.crypto_box_easy_afternm(message, nonce, this._shared));
  }

  decrypt(ct) {
    if (!(ct instanceof Uint8Array) || ct.length < NONCE_BYTES + 16) throw new CryptoError('undecryptable');
    try {
      return sodium.crypto_box_open_easy_afternm(ct.subarray(NONCE_BYTES), ct.subarray(0, NONCE_BYTES), this._shared);
    } catch {
      throw new CryptoError('undecryptable');
    }
  }
}

export const makeBox = (identity, peerVk) => new Box(identity, peerVk);
export const sealDirect = (box, body) => box.encrypt(pack(body));

export const sealKnock = (identity, facilitatorVk, name, client) => sealDirect(makeBox(identity, facilitatorVk), { name, client });

export function openKnock(identity, memberVk, ct) {
  return checked(payloads.checkKnock, makeBox(identity, memberVk).decrypt(ct));
}

function checked(check, message) {
  try {
    return check(unpack(message));
  } catch (exc) {
    if (exc instanceof CryptoError) throw exc;
    if (exc instanceof ProtocolError) throw new CryptoError('malformed', exc.msg);
    throw exc;
  }
}

// --- the acceptance rules -----------------------------------------------------

export const hexOf = (vk) => sodium.to_hex(vk);
const hex = hexOf;

/** Opens incoming frames for one party and applies every acceptance rule of
 * protocol v1: keys, roster, signature, room, epoch, recipient, counters, and
 * who is a facilitator (the lead and the co-facilitators it signed for).
 * Returns {sender, body, gap}. */
export class Verifier {
  constructor(identity, room, facilitatorVk) {
    Object.assign(this, { identity, room, facilitatorVk, vk: identity.vk });
    this.facilitators = new Facilitators(facilitatorVk, room, usableKey);
    this.keys = new EpochKeys();
    this._rosters = new Map(); // epoch -> Set of hex vks
    this._newest = [-1, new Set()]; // the newest roster held: [epoch, Set of hex vks]
    this._floor = new Map(); // hex vk -> counters at or below are refused (sealed before a restart)
    this._lastGroup = new GroupCounters();
    this._groupEpoch = new Map(); // hex vk -> epoch of its last group frame
    this._lastDirect = new Map();
    this._boxes = new Map();
  }

  setRoster(epoch, members) {
    this._rosters.set(epoch, new Set([...members].map(hex)));
    if (epoch >= this._newest[0]) this._newest = [epoch, this._rosters.get(epoch)];
    for (const old of [...this._rosters.keys()]) if (old < epoch - 4) this._rosters.delete(old); // a resent frame may come late
  }

  rosterKnown(epoch) { return this._rosters.has(epoch); }

  boxFor(peerVk) {
    let box = this._boxes.get(hex(peerVk));
    if (!box) { box = makeBox(this.identity, peerVk); this._boxes.set(hex(peerVk), box); }
    return box;
  }

  /** The sender restarted (a key with intro): its counters jumped on purpose, and
   * every counter of its new run is above since (what came before is a replay). */
  restartBaseline(sender, since = 0) {
    this._lastGroup.delete(hex(sender));
    this._groupEpoch.delete(hex(sender));
    this._lastDirect.delete(hex(sender));
    this._floor.set(hex(sender), Math.max(since, this._floor.get(hex(sender)) || 0));
  }

  openGroup(sender, epoch, ct, now) {
    const signed = secretboxOpen(this.keys.key(epoch, now), ct);
    const isFacilitator = this.facilitators.trusts(sender);
    if (!isFacilitator) {
      // In that epoch's roster and still in the newest one: a removed key is
      // refused in every epoch at once.
      const roster = this._rosters.get(epoch);
      if (!roster || !roster.has(hex(sender)) || !this._newest[1].has(hex(sender))) {
        throw new CryptoError('not_in_roster');
      }
    }
    let message;
    try {
      message = sodium.crypto_sign_open(signed, verifyKey(sender));
    } catch {
      throw new CryptoError('bad_signature');
    }
    const body = checked(payloads.checkGroupBody, message);
    if (this._lastGroup.seen(hex(sender), body.n)) throw new CryptoError('duplicate', `counter ${body.n}`); // resent
    if (!equalBytes(body.room, this.room)) throw new CryptoError('wrong_room');
    if (body.epoch !== epoch) throw new CryptoError('wrong_epoch');
    if (payloads.FACILITATOR_ONLY_GROUP.has(body.k) && !isFacilitator) throw new CryptoError('facilitator_only', body.k);
    if (body.k === 'roster' && !this.facilitators.rosterValid(body.members)) throw new CryptoError('bad_delegation');
    const since = this._groupEpoch.get(hex(sender)) ?? epoch;
    const gap = advance(this._lastGroup, this._floor, sender, body.n);
    this._groupEpoch.set(hex(sender), epoch);
    // A jump over epochs we were not keyed for: nothing of ours is missing.
    return { sender, body, gap: this.keys.ours(since) ? lost(gap) : 0 };
  }

  /** onlyFacilitator: a member takes directs only from a trusted facilitator. A
   * co-facilitator's direct carries the lead's delegation, so a member can trust
   * it from its first word; one that does not verify is refused. */
  openDirect(sender, ct, { onlyFacilitator }) {
    const trusted = this.facilitators.trusts(sender);
    // (a box kept only for parties we trust: a relay naming many senders fills nothing)
    const box = trusted ? this.boxFor(sender) : makeBox(this.identity, sender);
    const body = checked(payloads.checkDirectBody, box.decrypt(ct));
    if (!equalBytes(body.room, this.room)) throw new CryptoError('wrong_room');
    if (!equalBytes(body.to, this.vk)) throw new CryptoError('wrong_recipient');
    // A co-facilitator not heard of yet (a waiting member sees no roster): the
    // lead's signature in the body is what makes it one.
    const facilitator = trusted || (body.delegation !== undefined && this.facilitators.accept(sender, body.delegation));
    if (onlyFacilitator && !facilitator) throw new CryptoError('not_from_facilitator');
    if (payloads.FACILITATOR_ONLY_DIRECT.has(body.k) && !facilitator) throw new CryptoError('facilitator_only', body.k);
    return { sender, body, gap: lost(advance(this._lastDirect, this._floor, sender, body.n)) };
  }
}

// A counter jump this large is a sender that restarted (counters start at the
// clock in microseconds), never frames lost (client/crypto.py RESTART_JUMP).
export const RESTART_JUMP = 1000000;
const lost = (gap) => (gap >= RESTART_JUMP ? 0 : gap);

function advance(last, floors, sender, n) {
  const previous = last.get(hex(sender));
  if (previous === undefined && n <= (floors.get(hex(sender)) ?? -1)) {
    throw new CryptoError('replayed', 'sealed before its sender restarted');
  }
  if (previous !== undefined && n <= previous) throw new CryptoError('replayed', `counter ${n} after ${previous}`);
  last.set(hex(sender), n);
  return previous === undefined ? 0 : n - previous - 1;
}

const present = (fields) => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null));
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Builds outgoing bodies for one party: stamps room, counters and time. */
export class Sealer {
  constructor(identity, room, verifier) {
    Object.assign(this, { identity, room, verifier });
    // Every counter starts at one moment: after a restart all are above this base.
    this.base = Date.now() * 1000;
    this.lastN = 0; // the counter of the body sealed last
    this._group = new Counter(this.base);
    this._direct = new Map();
  }

  group(kind, epoch, key, fields = {}) {
    this.lastN = this._group.next();
    const body = { k: kind, room: this.room, epoch, n: this.lastN, ts: nowSeconds(), ...present(fields) };
    return sealGroup(this.identity, key, body);
  }

  direct(to, kind, fields = {}) {
    let counter = this._direct.get(hex(to));
    if (!counter) { counter = new Counter(this.base); this._direct.set(hex(to), counter); }
    this.lastN = counter.next();
    const body = { k: kind, room: this.room, to, n: this.lastN, ts: nowSeconds(), ...present(fields) };
    return sealDirect(this.verifier.boxFor(to), body);
  }
}
