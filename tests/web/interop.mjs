// Runs the member page's own bundle (its crypto, wire and body functions) on
// requests from tests/test_web_interop.py, so Python and the browser code are
// checked against each other in both directions. Usage:
//   node interop.mjs BUNDLE < requests.json > answers.json
// Bytes travel in JSON as {"$b": "<hex>"}.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const hs = await import(pathToFileURL(process.argv[2]).href);
const { crypto: c, wire } = hs;
await c.ready();

const toHex = (b) => Buffer.from(b).toString('hex');
const fromJson = (v) => {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v && typeof v === 'object') {
    if (typeof v.$b === 'string') return new Uint8Array(Buffer.from(v.$b, 'hex'));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJson(x)]));
  }
  return v;
};
const toJson = (v) => {
  if (v instanceof Uint8Array) return { $b: toHex(v) };
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
};

function verifier(r) {
  const v = new c.Verifier(c.Identity.fromSeed(r.seed), r.room, r.facilitator_vk);
  if (r.key) v.keys.install(r.epoch, r.key, 0);
  if (r.roster) v.setRoster(r.epoch, r.roster);
  for (const co of r.trusted || []) v.facilitators.accept(co.vk, co.delegation); // co-facilitators seen before
  return v;
}

/** Rosters taken in order ([sender, members]); which co-facilitators are trusted after each. */
// A member's trust set as its Verifier makes it (keys checked as it checks them).
const facilitators = (r) => new c.Verifier(c.Identity.generate(), r.room, r.facilitator_vk).facilitators;

function trustAfter(r) {
  const f = facilitators(r);
  for (const co of r.trusted || []) f.accept(co.vk, co.delegation);
  return r.rosters.map(([sender, members]) => {
    if (!f.rosterValid(members)) return { error: 'bad_delegation' };
    f.fromRoster(members, sender);
    return { cos: f.cos };
  });
}

const OPS = {
  identity: (r) => {
    const id = c.Identity.fromSeed(r.seed);
    return { vk: id.vk, curve_pk: c.boxPublicKey(id.vk), curve_sk: id.boxSecret, safety_code: c.safetyCode(id.vk) };
  },
  check_vk: (r) => ({ curve_pk: c.boxPublicKey(r.vk) }),
  safety_code: (r) => ({ safety_code: c.safetyCode(r.vk) }),
  invite_hash: (r) => ({ hash: c.inviteHash(r.secret) }),
  seal_group: (r) => ({ ct: c.sealGroup(c.Identity.fromSeed(r.seed), r.key, r.body) }),
  open_group: (r) => ({ body: verifier(r).openGroup(r.sender, r.epoch, r.ct, 0).body }),
  open_groups: (r) => { // several frames, in order, by one receiver: each one's verdict
    const v = verifier(r);
    return { verdicts: r.cts.map((ct) => { try { v.openGroup(r.sender, r.epoch, ct, 0); return 'ok'; } catch (exc) { return exc.reason; } }) };
  },
  seal_direct: (r) => ({ ct: c.sealDirect(c.makeBox(c.Identity.fromSeed(r.seed), r.to), r.body) }),
  open_direct: (r) => ({ body: verifier(r).openDirect(r.sender, r.ct, { onlyFacilitator: true }).body }),
  seal_knock: (r) => ({ ct: c.sealKnock(c.Identity.fromSeed(r.seed), r.facilitator_vk, r.name, r.client) }),
  open_knock: (r) => ({ knock: c.openKnock(c.Identity.fromSeed(r.seed), r.member_vk, r.ct) }),
  unpack: (r) => ({ value: wire.unpack(r.data) }),
  pack: (r) => ({ data: wire.pack(r.value) }),
  name_problem: (r) => ({ problem: hs.display.nameProblem(r.name) }),
  delegation_valid: (r) => ({ valid: facilitators(r).valid(r.co_vk, r.sig) }),
  trust_after: (r) => ({ steps: trustAfter(r) }),
  parse_invite: (r) => {
    const link = hs.links.parseInvite(r.link);
    return { relay_url: link.relayUrl, room: link.room, facilitator_vk: link.facilitatorVk, secret: link.secret };
  },
};

const answers = fromJson(JSON.parse(readFileSync(0, 'utf8'))).map((r) => {
  try {
    return OPS[r.op](r);
  } catch (exc) {
    return { error: exc.reason || exc.code || exc.constructor.name, detail: exc.detail || exc.msg || exc.message };
  }
});
process.stdout.write(JSON.stringify(toJson(answers)));
