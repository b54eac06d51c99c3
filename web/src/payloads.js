// End-to-end payload bodies (inside the ciphertext; the relay never sees them).
// Mirrors client/bodies.py. Every body carries k (kind), room, n (sender's
// counter) and ts (sender's clock, seconds); group bodies add epoch, direct
// bodies add to. A new kind is one line in GROUP_KINDS or DIRECT_KINDS.
import { Bin, Bool, Int, Opt, ProtocolError, Str, VK_LEN, checkFields } from './wire.js';

const TEXT = Str(8000);
const NOTE = Opt(Str(2000));
const NAME = Str(64);
const KEY = Bin(32);

const GROUP_COMMON = { room: Bin(16), epoch: Int(), n: Int(), ts: Int() };
const DIRECT_COMMON = { room: Bin(16), to: Bin(VK_LEN), n: Int(), ts: Int() };

export const ROSTER_ROLES = ['facilitator', 'member'];
export const CHECK_IN_STATUSES = ['ok', 'soon', 'support'];
export const CONSENT_ANSWERS = ['yes', 'no'];
export const DETAIL_FIELDS = ['where', 'contact']; // where the member is; whom to contact

const ROSTER_ENTRY = { vk: Bin(VK_LEN), name: NAME, role: Str(4096, ROSTER_ROLES) };

const RosterEntries = {
  check(name, value) {
    if (!Array.isArray(value) || value.length > 256) throw new ProtocolError('bad_frame', `${name} must be a list`);
    return value.map((entry) => checkFields(entry, ROSTER_ENTRY, 'roster entry'));
  },
};

const Details = {
  check(name, value) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
      throw new ProtocolError('bad_frame', `${name} must be a map`);
    }
    const field = Str(500);
    const out = {};
    for (const k of DETAIL_FIELDS) {
      if (value[k] !== undefined && value[k] !== null) out[k] = field.check(`${name}.${k}`, value[k]);
    }
    return out;
  },
};

export const GROUP_KINDS = {
  chat: { text: TEXT, cw: Opt(Str(200)) },
  hand: { up: Bool() },
  bye: {},
  roster: { members: RosterEntries },
  floor: { to: Bin(VK_LEN) },
  notice: { text: TEXT },
};
export const FACILITATOR_ONLY_GROUP = new Set(['roster', 'floor', 'notice']);

export const DIRECT_KINDS = {
  key: { epoch: Int(), key: KEY, intro: Opt(Bool()), since: Opt(Int()) },
  key_ok: { epoch: Int() },
  key_current: { epoch: Int(), asked: Int() },
  private: { text: TEXT },
  trigger: { note: NOTE },
  step_out: { note: NOTE },
  back: {},
  check_in: { text: TEXT },
  check_in_reply: { status: Str(4096, CHECK_IN_STATUSES), text: NOTE },
  help: {},
  introduce: { name: NAME, epoch: Int() },
  agreement: { text: TEXT, resources: TEXT },
  agree: {},
  resources: { text: TEXT },
  consent_request: { reason: Str(2000), contact: Opt(Str(200)) },
  consent_reply: { answer: Str(4096, CONSENT_ANSWERS), details: Opt(Details) },
};
export const FACILITATOR_ONLY_DIRECT = new Set(['key', 'key_current', 'check_in', 'agreement', 'resources',
  'consent_request']);

export const KNOCK = { name: NAME, client: Str(64) };

const withCommon = (kinds, common) => Object.fromEntries(
  Object.entries(kinds).map(([k, fields]) => [k, { k: Str(32), ...common, ...fields }]));
const GROUP_SCHEMAS = withCommon(GROUP_KINDS, GROUP_COMMON);
const DIRECT_SCHEMAS = withCommon(DIRECT_KINDS, DIRECT_COMMON);

/** A body is dispatched on its kind k the way a frame is on t. */
function checkKind(raw, schemas, what) {
  const kind = raw !== null && typeof raw === 'object' ? raw.k : undefined;
  if (typeof kind !== 'string' || !Object.hasOwn(schemas, kind)) throw new ProtocolError('bad_frame', `unknown ${what} kind`);
  return checkFields(raw, schemas[kind], what);
}

export const checkGroupBody = (raw) => checkKind(raw, GROUP_SCHEMAS, 'message');
export const checkDirectBody = (raw) => checkKind(raw, DIRECT_SCHEMAS, 'private message');
export const checkKnock = (raw) => checkFields(raw, KNOCK, 'knock');
