// Group frames that came before their key or roster, held a short while, each
// sender in its own bounded line so one member (or a relay naming many senders)
// can never push out another's; whatever is dropped is counted as a gap, but
// for age only in epochs we were keyed for (a key that never came was not ours).
// Mirrors client/pending.py.
export const PER_SENDER = 64;
export const SENDERS = 128;
export const WAIT_SECONDS = 30;

export class PendingFrames {
  constructor({ perSender = PER_SENDER, senders = SENDERS, wait = WAIT_SECONDS } = {}) {
    Object.assign(this, { perSender, senders, wait });
    this._lines = new Map(); // sender key -> [[arrived, frame], ...]
  }

  /** Hold frame; return how many of this sender's frames were dropped for room. */
  add(senderKey, frame, arrived) {
    let line = this._lines.get(senderKey);
    if (!line) {
      if (this._lines.size >= this.senders) return 1; // never at another sender's expense
      line = [];
      this._lines.set(senderKey, line);
    }
    let dropped = 0;
    if (line.length >= this.perSender) { line.shift(); dropped = 1; }
    line.push([arrived, frame]);
    return dropped;
  }

  /** Every frame still in time ([arrived, frame]), and how many each sender lost to
   * age in the epochs ours() says we were keyed for. */
  take(now, ours = () => true) {
    const frames = [];
    const expired = new Map(); // sender key -> [frame.from, count]
    for (const [key, line] of this._lines) {
      for (const [arrived, frame] of line) {
        if (now - arrived > this.wait) {
          if (!ours(frame.epoch)) continue;
          const [, count] = expired.get(key) || [frame.from, 0];
          expired.set(key, [frame.from, count + 1]);
        } else {
          frames.push([arrived, frame]);
        }
      }
    }
    this._lines.clear();
    return { frames, expired: [...expired.values()] };
  }
}
