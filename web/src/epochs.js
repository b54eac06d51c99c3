// The group keys a party holds, one per epoch (mirrors client/epochs.py).
import sodium from 'libsodium-wrappers';
import { CryptoError } from './errors.js';

export const KEY_LEN = 32;
export const OLD_KEY_SECONDS = 30;

/** The current epoch's group key, and the previous one for a short while
 * (frames in flight), then wiped. */
export class EpochKeys {
  constructor() {
    this.epoch = -1;
    // The first epoch of our latest run in the group (client/epochs.py): what was
    // said while we were out of it (held, a seat lost) was not for us to read.
    this.unbrokenSince = -1;
    this._out = true;
    this._raw = new Map();
    this._expiry = new Map();
  }

  get current() { return this._raw.get(this.epoch) || null; }

  install(epoch, key, now) {
    if (!(key instanceof Uint8Array) || key.length !== KEY_LEN) throw new CryptoError('bad_key', 'a group key is 32 bytes');
    if (epoch <= this.epoch) throw new CryptoError('stale_key', `epoch ${epoch} is not above ${this.epoch}`);
    if (this._raw.has(this.epoch)) this._expiry.set(this.epoch, now + OLD_KEY_SECONDS);
    if (this._out) { this.unbrokenSince = epoch; this._out = false; }
    this.epoch = epoch;
    this._raw.set(epoch, key.slice());
    this.expire(now);
  }

  /** Whether epoch is in our latest unbroken run of keys. */
  /** We are out of the group (in the waiting room) until the next key. */
  leftGroup() { this._out = true; }

  ours(epoch) { return this.unbrokenSince <= epoch && epoch <= this.epoch; }

  key(epoch, now) {
    this.expire(now);
    const key = this._raw.get(epoch);
    if (!key) throw new CryptoError('no_key', `epoch ${epoch}`);
    return key;
  }

  expire(now) {
    for (const [epoch, until] of this._expiry) if (until <= now) this.forget(epoch);
  }

  forget(epoch) {
    const key = this._raw.get(epoch);
    if (key) sodium.memzero(key);
    this._raw.delete(epoch);
    this._expiry.delete(epoch);
  }

  wipe() { for (const epoch of [...this._raw.keys()]) this.forget(epoch); }
}
