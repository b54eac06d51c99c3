"""web/src/unechoed.js (run with node): the member page keeps group frames
until the relay echoes them and resends them after a reconnection, with the
terminal client's bounds (client/unechoed.py; docs/PROTOCOL.md, Resending)."""

from __future__ import annotations

import json
import subprocess

from holdspace.client import unechoed
from tests.web_tools import WEB, node

SCRIPT = """
import { Unechoed, KEEP_ECHOED, MAX_FRAMES, MAX_BYTES } from '%s';
const ct = (n) => new Uint8Array([n >> 8, n & 255]);
const frame = (n) => new Uint8Array(10).fill(n & 255);
let now = 0;
const kept = new Unechoed(() => now);
for (let n = 0; n < MAX_FRAMES + 5; n++) kept.sent(ct(n), frame(n));
now = 1;
kept.echoed(ct(5));
kept.echoed(ct(999));
const sent = [];
now = 1 + KEEP_ECHOED;
kept.resend('member', { send: (data) => sent.push(data[0]) });  // echoed only just: resent
const later = [];
now = 1.1 + KEEP_ECHOED;
kept.resend('member', { send: (data) => later.push(data[0]) });
const big = new Unechoed(() => now);
for (let n = 0; n < 3; n++) big.sent(ct(n), new Uint8Array(MAX_BYTES / 2));
const sizeBefore = big.size;
big.resend('lobby', { send: () => { throw new Error('sent to a room that forgot us'); } });
console.log(JSON.stringify({ max: [MAX_FRAMES, MAX_BYTES, KEEP_ECHOED], size: kept.size, first: sent[0],
                             later: later[0], last: later.at(-1), resent: [sent.length, later.length],
                             big: sizeBefore, forgotten: big.size }));
"""


def test_the_page_keeps_and_resends_unechoed_frames_as_the_terminal_client_does(tmp_path) -> None:
    script = tmp_path / "unechoed.mjs"
    script.write_text(SCRIPT % (WEB / "src" / "unechoed.js").as_uri())
    out = json.loads(subprocess.run([node(), str(script)], capture_output=True, text=True, check=True,
                                    timeout=30).stdout)
    assert out["max"] == [unechoed.MAX_FRAMES, unechoed.MAX_BYTES, unechoed.KEEP_ECHOED]
    n = unechoed.MAX_FRAMES
    assert out["resent"] == [n, n - 1] and out["size"] == n - 1  # the 5 oldest went; one echoed, then old
    assert (out["first"], out["later"], out["last"]) == (5, 6, (n + 4) & 255)  # in the order sent
    assert out["big"] == 2 and out["forgotten"] == 0
