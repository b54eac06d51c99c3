// Text from the network, made safe to show: the rules of client/display.py.
// Control characters (C0, C1, ESC, BEL, DEL) show as U+FFFD; bidi overrides,
// zero-width and other format characters are dropped, so no line can reverse or
// hide part of itself; a message keeps its lines, each cleaned, and the page
// sets its further lines in under the first (#log p in holdspace.css).

const REPLACEMENT = '\ufffd';
// Python's str.splitlines() boundaries, so both clients cut lines alike.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/u;
const CONTROL = /[\p{Cc}\p{Cs}]/gu;
const FORMAT = /\p{Cf}/gu;

/** One line: no control or format characters. */
export const clean = (line) => String(line).replace(/\t/g, ' ').replace(CONTROL, REPLACEMENT).replace(FORMAT, '');

/** Several lines, each made safe, kept as lines. */
export const cleanBlock = (text) => String(text).split(LINE_BREAK).map(clean).join('\n');

/** A name: one line, however it was sent. */
export const cleanName = (name) => String(name).split(LINE_BREAK).map(clean).join(' ');
