// holdspace wire protocol v1 in the browser: the frames that cross the WebSocket.
// Mirrors relay/protocol.py and relay/frames.py (the contract is docs/PROTOCOL.md). Each message is one
// msgpack map with string keys; "t" names the frame. Byte fields are bin
// (Uint8Array here), text is str. Unknown keys are ignored.
//
// Whole numbers only: a JavaScript number is exact only up to 2^53, so an integer
// above that is refused on the way in (bad_frame) and never sent.
import { Decoder, Encoder } from '@msgpack/msgpack';

export const VERSION = 1;
export const AUTH_CONTEXT = new TextEncoder().encode('holdspace/v1/auth');
export const VK_LEN = 32;
export const SIG_LEN = 64;
export const ROOM_LEN = 16;
export const INVITE_LEN = 16;
export const NONCE_LEN = 32;
export const MAX_INT = Number.MAX_SAFE_INTEGER; // 2^53 - 1: the largest exact whole number

export const ERROR_CODES = [
  'bad_frame', 'bad_auth', 'version', 'no_room', 'room_taken', 'bad_invite', 'banned',
  'forbidden', 'not_seated', 'room_full', 'lobby_full', 'rate_limited', 'too_large', 'internal',
];
export const CLOSE_CODES = Object.fromEntries(ERROR_CODES.map((c, i) => [c, 4010 + i]));
export const CLOSED_CODES = { removed: 4003, denied: 4004, room_closed: 4005 };
const ROLES = ['facilitator', 'cofacilitator', 'member', 'lobby'];
export const MAX_HERE = 16; // facilitator parties the relay may list as connected (a lead and 2 co-facilitators)
const PRESENCE_STATES = ['online', 'offline', 'gone'];

export class ProtocolError extends Error {
  constructor(code, msg = '') {
    super(msg || code);
    this.code = code;
    this.msg = msg || code;
  }
}

// --- field types (as in relay/fields.py) ------------------------------------

export const Bin = (size = null, max = null) => ({
  check(name, value) {
    if (!(value instanceof Uint8Array)) throw new ProtocolError('bad_frame', `${name} must be bytes`);
    if (size !== null && value.length !== size) throw new ProtocolError('bad_frame', `${name} must be ${size} bytes`);
    if (max !== null && value.length > max) throw new ProtocolError('bad_frame', `${name} is longer than ${max} bytes`);
    return value;
  },
});

export const Int = (min = 0, max = MAX_INT) => ({
  check(name, value) {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new ProtocolError('bad_frame', `${name} must be an integer`);
    if (value < min || value > max) throw new ProtocolError('bad_frame', `${name} is out of range`);
    return value;
  },
});

export const Str = (max = 4096, choices = null) => ({
  check(name, value) {
    if (typeof value !== 'string') throw new ProtocolError('bad_frame', `${name} must be a string`);
    // Python counts code points; so do we (a string's length counts UTF-16 units).
    if ([...value].length > max) throw new ProtocolError('bad_frame', `${name} is too long`);
    if (choices && !choices.includes(value)) throw new ProtocolError('bad_frame', `${name} must be one of ${choices.join(', ')}`);
    return value;
  },
});

export const Bool = () => ({
  check(name, value) {
    if (typeof value !== 'boolean') throw new ProtocolError('bad_frame', `${name} must be true or false`);
    return value;
  },
});

/** A list of at most max items, each checked by inner. */
export const List = (inner, max) => ({
  check(name, value) {
    if (!Array.isArray(value) || value.length > max) throw new ProtocolError('bad_frame', `${name} must be a list of at most ${max}`);
    return value.map((item, i) => inner.check(`${name}[${i}]`, item));
  },
});

/** An optional field: may be absent (or nil, which counts as absent). */
export const Opt = (inner) => ({ optional: true, inner });

const isMap = (raw) => raw !== null && typeof raw === 'object' && !Array.isArray(raw)
  && !(raw instanceof Uint8Array);

/** Check a map's fields against a schema; return only the known ones. */
export function checkFields(raw, schema, what) {
  if (!isMap(raw)) throw new ProtocolError('bad_frame', `a ${what} must be a map`);
  const out = {};
  for (const [name, field] of Object.entries(schema)) {
    const value = Object.hasOwn(raw, name) ? raw[name] : undefined;
    let type = field;
    if (field.optional) {
      if (value === null || value === undefined) continue;
      type = field.inner;
    } else if (value === undefined) {
      throw new ProtocolError('bad_frame', `${what} needs '${name}'`);
    }
    out[name] = type.check(name, value);
  }
  return out;
}

const VK = Bin(VK_LEN);
const CT = Bin();
const HERE = Opt(List(VK, MAX_HERE));

export const CLIENT_FRAMES = {
  join: {
    vk: VK, sig: Bin(SIG_LEN), room: Bin(ROOM_LEN), invite: Bin(INVITE_LEN), knock: Bin(),
    resume: Opt(Int()), v: Opt(Int()),
  },
  group: { epoch: Int(), ct: CT },
  direct: { to: VK, ct: CT },
};

export const RELAY_FRAMES = {
  challenge: { v: Int(), nonce: Bin(NONCE_LEN) },
  ready: { room: Bin(ROOM_LEN), role: Str(4096, ROLES), seq: Int(), facilitator: Opt(Bool()), here: HERE },
  knock: { member: VK, knock: Bin() },
  presence: { member: VK, state: Str(4096, PRESENCE_STATES), knock: Opt(Bin()),
    role: Opt(Str(4096, ['facilitator', 'cofacilitator'])) },
  facilitator: { present: Bool(), here: HERE },
  admitted: { seq: Int() },
  held: {},
  closed: { reason: Str(4096, Object.keys(CLOSED_CODES)) },
  group: { epoch: Int(), ct: CT, seq: Int(), from: VK },
  direct: { from: VK, ct: CT },
  error: { code: Str(64), msg: Str(1024) },
};

/** Check a decoded map against schemas keyed by its "t". */
export function validate(raw, schemas, what = 'frame') {
  if (!isMap(raw)) throw new ProtocolError('bad_frame', `a ${what} must be a map`);
  const kind = raw.t;
  if (typeof kind !== 'string') throw new ProtocolError('bad_frame', `a ${what} needs a string 't'`);
  if (!Object.hasOwn(schemas, kind)) throw new ProtocolError('bad_frame', `unknown ${what} type`);
  return { t: kind, ...checkFields(raw, schemas[kind], kind) };
}

// --- msgpack -------------------------------------------------------------

const encoder = new Encoder({ ignoreUndefined: true });
// 64-bit integers come out as BigInt so that none is silently rounded; a float
// is refused outright (as Python's checks refuse it), not read as a whole number.
class WholeNumberDecoder extends Decoder {
  readF32() { throw new ProtocolError('bad_frame', 'numbers on the wire are whole numbers'); }

  readF64() { throw new ProtocolError('bad_frame', 'numbers on the wire are whole numbers'); }
}
const decoder = new WholeNumberDecoder({ useBigInt64: true });

function wholeNumbers(value) {
  if (typeof value === 'bigint') {
    if (value < 0n || value > BigInt(MAX_INT)) throw new ProtocolError('bad_frame', 'a number is larger than this client can hold exactly');
    return Number(value);
  }
  if (Array.isArray(value)) return value.map(wholeNumbers);
  if (isMap(value)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = wholeNumbers(v);
    return out;
  }
  return value;
}

function checkOutgoing(value) {
  if (typeof value === 'number' && !(Number.isSafeInteger(value) && value >= 0)) {
    throw new ProtocolError('bad_frame', 'only whole numbers from 0 to 2^53 are sent');
  }
  if (Array.isArray(value)) value.forEach(checkOutgoing);
  else if (isMap(value)) Object.values(value).forEach(checkOutgoing);
}

/** msgpack bytes -> value, or ProtocolError. Text messages are refused. */
export function unpack(data) {
  if (typeof data === 'string') throw new ProtocolError('bad_frame', 'text messages are not accepted; send binary msgpack');
  let raw;
  try {
    raw = decoder.decode(data instanceof Uint8Array ? data : new Uint8Array(data));
  } catch {
    throw new ProtocolError('bad_frame', 'not a msgpack message');
  }
  return wholeNumbers(raw);
}

/** value -> msgpack bytes; undefined fields are left out. */
export function pack(value) {
  checkOutgoing(value);
  return encoder.encode(value);
}

/** Encode a frame; undefined/null optional fields are left out. */
export function frame(t, fields = {}) {
  const present = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null));
  return pack({ t, ...present });
}

/** A frame the client received from the relay. */
export const decodeRelay = (data) => validate(unpack(data), RELAY_FRAMES);

/** What a client signs to answer a challenge. */
export function authMessage(nonce) {
  const out = new Uint8Array(AUTH_CONTEXT.length + nonce.length);
  out.set(AUTH_CONTEXT);
  out.set(nonce, AUTH_CONTEXT.length);
  return out;
}
