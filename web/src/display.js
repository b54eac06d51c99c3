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

// --- names: the rules of display.name_problem, so the page refuses what every
// other member's screen would not show (the console shows such a name as
// "Unnamed member", and the member would never know).

export const NAME_LIMIT = 64;
const FACILITATOR_MARK = '\u25c6';
const RESERVED = new Set(['you', 'host', 'leader', 'moderator', 'admin', 'holdspace', 'facilitator',
  'cofacilitator', 'thefacilitator', 'system']);
const LOOKALIKE = {
  0: 'o', 1: 'l', 3: 'e', 4: 'a', 5: 's', 7: 't', '|': 'l', '!': 'i',
  'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'і': 'i', 'ј': 'j',
  'ѕ': 's', 'ԁ': 'd', 'ӏ': 'l', 'α': 'a', 'ο': 'o', 'ι': 'i', 'ν': 'v', 'τ': 't', 'κ': 'k',
  'ɑ': 'a', 'ı': 'i',
};

/** What a name reads as, to compare names: case, spaces, marks and lookalikes gone. */
const skeleton = (name) => [...name.toLowerCase().normalize('NFKD')]
  .map((ch) => LOOKALIKE[ch] || ch).join('').replace(/[^\p{L}\p{N}]/gu, '');

/** NFKC, one line, single spaces. */
export const normalName = (raw) => cleanName(String(raw).normalize('NFKC'))
  .replaceAll(REPLACEMENT, '').split(/\s+/u).filter(Boolean).join(' ');

/** Why a member cannot use this name, in one plain sentence ('' if they can). */
export function nameProblem(raw) {
  const name = normalName(raw);
  if (!/[\p{L}\p{N}\p{P}\p{S}]/u.test(name)) return 'Please choose a name with some letters or numbers in it.';
  if ([...name].length > NAME_LIMIT) return `Please choose a shorter name (at most ${NAME_LIMIT} characters).`;
  const shape = skeleton(name);
  if (RESERVED.has(shape) || shape.includes('facilitator') || name.includes(FACILITATOR_MARK)) {
    return 'That name is kept for the facilitator; please choose another.';
  }
  return '';
}
