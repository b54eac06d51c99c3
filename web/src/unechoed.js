// Group frames sent but not yet echoed by the relay, sent again after a
// reconnection (docs/PROTOCOL.md, "Resending"), and on the receiving side the
// counters that tell such a frame from a replay; the same rules as the terminal
// client's client/unechoed.py and client/crypto.py. A frame is known by its sealed bytes (ct);
// receivers drop one they already have, so sending it twice costs nothing.
// Bounded: past MAX_FRAMES or MAX_BYTES the oldest is forgotten.

export const MAX_FRAMES = 50; // all of them resent at once stays within a relay's default burst (60)
export const MAX_BYTES = 1024 * 1024;
// Even an echo is no proof for this long: a relay node echoes its own clients'
// frames before passing them on to the other nodes, and may die in between.
export const KEEP_ECHOED = 2.0;
// Refusals not worth a word: a frame from before we joined, and one we have (resent).
export const QUIET = new Set(['no_key', 'duplicate']);

const keyOf = (ct) => Array.from(ct, (b) => b.toString(16).padStart(2, '0')).join('');

export class Unechoed {
  constructor(clock) {
    this.clock = clock; // seconds
    this._frames = new Map(); // hex of ct -> [the frame as sent, when its echo came or null], oldest first
    this._bytes = 0;
  }

  get size() { return this._frames.size; }

  /** Keep ``frame`` (sealed as ``ct``) until well after its echo; returns it. */
  sent(ct, frame) {
    this._frames.set(keyOf(ct), [frame, null]);
    this._bytes += frame.length;
    this._forget();
    return frame;
  }

  /** The relay delivered it (to us, so to everyone seated). */
  echoed(ct) {
    const kept = this._frames.get(keyOf(ct));
    if (kept && kept[1] === null) kept[1] = this.clock();
    this._forget();
  }

  /** After ready: send every frame unechoed, or echoed only just, again, in order,
   * before anything new. Back in the waiting room, forget them: they were
   * sealed for a group we left. */
  resend(role, ws) {
    if (role === 'lobby') { this._frames.clear(); this._bytes = 0; return; }
    this._forget();
    for (const [frame] of this._frames.values()) ws.send(frame);
  }

  _forget() {
    const now = this.clock();
    for (const [key, [frame, echoedAt]] of this._frames) {
      const past = echoedAt !== null && now - echoedAt > KEEP_ECHOED;
      if (past || this._frames.size > MAX_FRAMES || this._bytes > MAX_BYTES) {
        this._frames.delete(key);
        this._bytes -= frame.length;
      }
    }
  }
}

/** Each sender's last group counter, and the counters lately opened (forgotten
 * with it, when the sender restarts): a resent frame is a duplicate, not a replay. */
export class GroupCounters extends Map {
  constructor() { super(); this.recent = new Map(); }
  set(sender, n) { this.recent.set(sender, [...(this.recent.get(sender) || []).slice(-127), n]); return super.set(sender, n); }
  delete(sender) { this.recent.delete(sender); return super.delete(sender); }
  seen(sender, n) { return (this.recent.get(sender) || []).includes(n); }
}
