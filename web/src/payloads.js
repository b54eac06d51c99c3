// End-to-end payload bodies (inside the ciphertext; the relay never sees them).
// Mirrors client/bodies.py. Every body carries k (kind), room, n (sender's
// counter) and ts (sender's clock, seconds); group bodies add epoch, direct
// bodies add to. A new kind is one line in GROUP_KINDS or DIRECT_KINDS.
import { Bin, Bool, Int, List, Opt, ProtocolError, SIG_LEN, Str, VK_LEN, checkFields } from './wire.js';

const TEXT = Str(8000);
const NOTE = Opt(Str(2000));
const NAME = Str(64);
const KEY = Bin(32);
const VK = Bin(VK_LEN);
const DELEGATION = Bin(SIG_LEN); // the lead's signature naming a co-facilitator (trust.js)

const GROUP_COMMON = { room: Bin(16), epoch: Int(), n: Int(), ts: Int() };
// A co-facilitator's directs carry its delegation, so a member can trust it.
const DIRECT_COMMON = { room: Bin(16), to: VK, n: Int(), ts: Int(), delegation: Opt(DELEGATION) };

export const ROSTER_ROLES = ['facilitator', 'cofacilitator', 'member'];
export const HANDLING_ITEMS = ['help', 'trigger', 'step_out', 'check_in', 'private', 'risk', 'safeguarding'];
export const HANDLING_STATES = ['ack', 'taking', 'done'];
export const DID_ACTIONS = ['admit', 'deny', 'hold', 'remove'];
export const CHECK_IN_STATUSES = ['ok', 'soon', 'support'];
export const CONSENT_ANSWERS = ['yes', 'no'];
export const DETAIL_FIELDS = ['where', 'contact']; // where the member is; whom to contact

const ROSTER_ENTRY = { vk: VK, name: NAME, role: Str(4096, ROSTER_ROLES), delegation: Opt(DELEGATION) };
const Entry = (fields, what) => ({ check: (name, value) => checkFields(value, fields, what) });

const RosterEntries = {
  check(name, value) {
    return List(Entry(ROSTER_ENTRY, 'roster entry'), 256).check(name, value).map((entry) => {
      if (entry.role === 'cofacilitator' && !entry.delegation) {
        throw new ProtocolError('bad_frame', 'a co-facilitator in a roster needs its delegation');
      }
      return entry;
    });
  },
};
const COFACILITATORS = Opt(List(Entry({ vk: VK, delegation: DELEGATION }, 'co-facilitator'), 2));
const BRIEFED_WAITING = List(Entry({ vk: VK, name: NAME, agreed: Bool() }, 'waiting member'), 64);
export const BRIEFING_ITEMS = ['help', 'support', 'trigger', 'step_out', 'hand'];
const BRIEFED_OPEN = List(Entry({ member: VK, item: Str(4096, BRIEFING_ITEMS), ago: Int() }, 'open item'), 256);
const HANDOVER_MEMBERS = List(Entry({ vk: VK, name: NAME, role: Str(4096, ROSTER_ROLES) }, 'member'), 256);

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
  floor: { to: VK },
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
  agreement: { text: TEXT, resources: TEXT, cofacilitators: COFACILITATORS },
  agree: {},
  resources: { text: TEXT },
  consent_request: { reason: Str(2000), contact: Opt(Str(200)) },
  consent_reply: { answer: Str(4096, CONSENT_ANSWERS), details: Opt(Details) },
  hello: { name: NAME }, // a member to a co-facilitator it now trusts: knocks are sealed to the lead
  // Between facilitators only; a member's session never acts on them.
  handling: { member: VK, item: Str(4096, HANDLING_ITEMS), state: Str(4096, HANDLING_STATES) },
  did: { action: Str(4096, DID_ACTIONS), member: VK, name: Opt(NAME) },
  handover: { epoch: Int(), key: KEY, members: HANDOVER_MEMBERS },
  leaving: {},
  briefing: { waiting: BRIEFED_WAITING, open: BRIEFED_OPEN },
};
export const BETWEEN_FACILITATORS = new Set(['handling', 'did', 'handover', 'leaving', 'briefing']);
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
