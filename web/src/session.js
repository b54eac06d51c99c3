// The member's session in the browser: speaks protocol v1 to the relay and
// reports everything as events ({type, ...}) to whoever listens; the view never
// sees sockets or crypto. Mirrors client/session.py and client/member_session.py: the same
// handshake, reconnection with backoff, resumption from the last group seq, and
// the same acceptance rules (crypto.js). A new relay frame is one on<T> method;
// a new private message kind is one entry in DIRECT_HANDLERS.
import { CryptoError, Identity, b64e, Sealer, Verifier, equalBytes, hexOf, safetyCode, sealKnock } from './crypto.js';
import { DIRECT_HANDLERS, FacilitatorWatch } from './directs.js';
import { KeyGuard, NO_FACILITATOR } from './freshness.js';
import { OwnName } from './ownname.js';
import { PendingFrames } from './pending.js';
import { QUIET, Unechoed } from './unechoed.js';
import * as wire from './wire.js';

export const CLIENT_NAME = 'holdspace-web/0.1';
const FINAL_CODES = new Set(['bad_auth', 'version', 'no_room', 'room_taken', 'bad_invite', 'banned',
  'forbidden', 'room_full', 'lobby_full'].map((c) => wire.CLOSE_CODES[c]));
const AFTER_RELAY_RESTART = new Set([wire.CLOSE_CODES.no_room, wire.CLOSE_CODES.bad_invite]);
const NO_ROOM_PATIENCE = 120; // seconds a member keeps trying a room that vanished (relay restart)
const NO_ROOM_RETRY = 1; // while the room is not back: it returns once the facilitator reconnects
const MAX_BACKOFF = 5; // the longest wait between two tries at the relay (client/connection.py)
const REPLACED = 'replaced by a newer connection';

export class SessionError extends Error {}

const closeName = (code) => Object.keys(wire.CLOSE_CODES).find((k) => wire.CLOSE_CODES[k] === code)
  || Object.keys(wire.CLOSED_CODES).find((k) => wire.CLOSED_CODES[k] === code) || 'closed';

export class MemberSession {
  constructor(invite, name, { identity = null, client = CLIENT_NAME, WebSocketImpl = globalThis.WebSocket,
    backoff = [0.5, MAX_BACKOFF], giveUpAfter = 20 * 60, clock = () => Date.now() / 1000 } = {}) {
    Object.assign(this, { invite, name, client, clock });
    this.identity = identity || Identity.generate();
    this.facilitatorVk = invite.facilitatorVk;
    this.room = invite.room;
    this.verifier = new Verifier(this.identity, this.room, this.facilitatorVk);
    this.sealer = new Sealer(this.identity, this.room, this.verifier);
    this._WebSocket = WebSocketImpl;
    this._backoff = backoff;
    this._delay = backoff[0];
    this._giveUpAfter = giveUpAfter;
    this._listeners = [];
    this._ws = null;
    this._pending = new PendingFrames();
    Object.assign(this, { _firstFailure: null, _noRoomSince: null, _wasInRoom: false, _lastError: null });
    Object.assign(this, { ended: null, role: null, lastSeq: 0 });
    this.roster = new Map(); // hex vk -> {vk, name, role}
    this.ownName = new OwnName(name); // the name the group sees us by
    this.agreement = null;
    this.agreed = false;
    this.seated = false;
    this._welcomePending = false;
    this.handUp = false;
    this.steppedOut = false;
    this.lastCheckIn = null;
    this.resources = '';
    this.details = {}; // emergency details the member chose to keep, in memory only
    this.consentAsked = null;
    this.keySender = null; // who sent the key we hold: our key_ok goes to them
    this.keyGuard = new KeyGuard(this, { SessionError }); // is our group key still current?
    this._unechoed = new Unechoed(() => this.clock()); // group frames the relay has not echoed (yet)
    this.facilitator = new FacilitatorWatch(this, { SessionError }); // is a facilitator connected?
  }

  // --- events ---------------------------------------------------------------
  subscribe(listener) { this._listeners.push(listener); }

  emit(event) { for (const listener of this._listeners) listener(event); }

  get connected() { return this._ws !== null && this.role !== null; }

  get safetyCode() { return safetyCode(this.identity.vk); }

  get facilitatorCode() { return safetyCode(this.facilitatorVk); }

  /** The name the roster gives vk, else fallback. */
  nameOf(vk, fallback = this.verifier.facilitators.isCo(vk) ? 'Co-facilitator' : 'someone') {
    const entry = this.roster.get(hexOf(vk));
    return entry ? entry.name : fallback;
  }

  isMe(vk) { return equalBytes(vk, this.identity.vk); }

  /** How a party's lines are marked: 'facilitator' (the lead), 'co-facilitator'
   * (its signature says so), or null: by key, never by the name it goes by. */
  facilitatorRole(vk) {
    const trust = this.verifier.facilitators;
    if (trust.isLead(vk)) return 'facilitator';
    return trust.isCo(vk) ? 'co-facilitator' : null;
  }

  // --- lifecycle ------------------------------------------------------------
  start() { this._connect(); }

  /** Drop the connection as a network fault would; the session reconnects. */
  dropLink() { if (this._ws) this._ws.close(4000, 'reconnecting'); }

  _end(event, closeCode = 1000) {
    if (this.ended === null) {
      this.ended = event;
      this.emit(event);
    }
    const ws = this._ws;
    this._ws = null;
    this.role = null;
    clearTimeout(this._retryTimer);
    this.keyGuard.stop();
    if (ws && ws.readyState <= 1) ws.close(closeCode);
    // The session is over: nothing it held is needed again.
    this.verifier.keys.wipe();
    this.identity.wipe();
  }

  _connect() {
    if (this.ended) return;
    let ws;
    try {
      ws = new this._WebSocket(`${this.invite.relayUrl}/${b64e(this.room)}`);
    } catch {
      this._end({ type: 'SessionEnded', reason: 'gave_up', detail: 'the relay address is not valid' });
      return;
    }
    ws.binaryType = 'arraybuffer';
    let challenged = false;
    ws.onmessage = (msg) => {
      if (this.ended || (this._ws !== null && this._ws !== ws)) return;
      let frame;
      try {
        frame = wire.decodeRelay(msg.data instanceof ArrayBuffer ? new Uint8Array(msg.data) : msg.data);
      } catch (exc) {
        this.emit({ type: 'Rejected', reason: 'malformed', detail: exc.msg || String(exc) });
        return;
      }
      if (!challenged) {
        if (frame.t !== 'challenge') { ws.close(); return; }
        challenged = true;
        this._ws = ws;
        ws.send(this._hello(frame.nonce));
        return;
      }
      this._dispatch(frame);
    };
    ws.onclose = (event) => this._closed(ws, event);
  }

  _closed(ws, event) {
    if (this._ws === ws || this._ws === null) {
      this._ws = null;
      if (this.role !== null) { this._firstFailure = null; this._delay = this._backoff[0]; }
      this.role = null;
    }
    if (this.ended) return;
    if (event.reason === REPLACED) {
      this._end({ type: 'SessionEnded', reason: 'replaced', detail: 'the session was opened elsewhere' });
      return;
    }
    if (this._closedForGood(event.code)) return;
    const now = this.clock();
    this._firstFailure = this._firstFailure || now;
    if (now - this._firstFailure > this._giveUpAfter) {
      this._end({ type: 'SessionEnded', reason: 'gave_up', detail: 'the relay could not be reached' });
      return;
    }
    const delay = this._delay;
    this.emit({ type: 'ConnectionLost', reason: 'the connection to the relay was lost', retryIn: delay });
    this._delay = Math.min(delay * 2, this._backoff[1]);
    this._retryTimer = setTimeout(() => this._connect(), delay * (0.5 + Math.random() / 2) * 1000); // spread out
  }

  _closedForGood(code) {
    if (AFTER_RELAY_RESTART.has(code) && this._wasInRoom) {
      // After a relay restart the room exists again only once the facilitator reclaims it.
      const now = this.clock();
      this._noRoomSince = this._noRoomSince || now;
      this._delay = Math.min(this._delay, NO_ROOM_RETRY); // the relay is up: the room comes soon
      if (now - this._noRoomSince < NO_ROOM_PATIENCE) return false;
    }
    if (FINAL_CODES.has(code) || Object.values(wire.CLOSED_CODES).includes(code)) {
      const [reason, detail] = this._lastError || [closeName(code), ''];
      this._end({ type: 'SessionEnded', reason, detail });
      return true;
    }
    return false;
  }

  _hello(nonce) {
    return wire.frame('join', {
      vk: this.identity.vk, sig: this.identity.answerChallenge(nonce), room: this.room,
      invite: this.invite.secret, knock: sealKnock(this.identity, this.facilitatorVk, this.name, this.client),
      resume: this.seated ? this.lastSeq : undefined, v: wire.VERSION,
    });
  }

  _dispatch(frame) {
    const handler = this[`on${frame.t[0].toUpperCase()}${frame.t.slice(1)}`];
    if (typeof handler !== 'function') {
      this.emit({ type: 'Rejected', reason: 'malformed', detail: `unexpected ${frame.t}` });
      return;
    }
    try {
      handler.call(this, frame);
    } catch (exc) {
      if (exc instanceof CryptoError) this.emit({ type: 'Rejected', reason: exc.reason, sender: frame.from, detail: exc.detail });
      else if (!(exc instanceof SessionError)) throw exc;
    }
  }

  // --- relay frames -----------------------------------------------------------
  onReady(frame) {
    const resumed = this.lastSeq > 0 && frame.role !== 'lobby';
    this.seated = frame.role === 'member';
    this.role = frame.role;
    if (frame.role === 'lobby') this.verifier.keys.leftGroup(); // a seat the relay forgot: as if held
    this._wasInRoom = true;
    this._noRoomSince = null;
    this._firstFailure = null;
    this._delay = this._backoff[0];
    if (!resumed) this.lastSeq = frame.seq;
    this._unechoed.resend(frame.role, this._ws); // before anything new: in order
    this.emit({ type: 'Connected', role: frame.role, seq: frame.seq, resumed });
    this.facilitator.is(frame.facilitator !== false, frame.here);
    if (this.agreed && frame.role === 'lobby') this.facilitator.trySend('agree');
    this.facilitator.trustChanged();
  }

  onError(frame) {
    this._lastError = [frame.code, frame.msg];
    this.emit({ type: 'RelayError', code: frame.code, msg: frame.msg });
  }

  onClosed(frame) { this._end({ type: 'SessionEnded', reason: frame.reason, detail: '' }); }

  onFacilitator(frame) {
    // Those who just came may not have heard us: our agreement, or our key.
    for (const vk of this.facilitator.is(frame.present, frame.here)) {
      if (this.agreed && this.role === 'lobby') this.facilitator.trySend('agree', {}, vk);
      if (this.verifier.keys.current !== null && equalBytes(vk, this.keySender)) this.keyGuard.confirm();
    }
    this.facilitator.trustChanged();
  }

  onAdmitted(frame) {
    // The relay says we are in, but a relay could say so on its own: tell the
    // member only once the facilitator's signed roster lists us.
    this.seated = true;
    this.role = 'member';
    this.lastSeq = Math.max(this.lastSeq, frame.seq);
    this._welcomePending = true;
  }

  onHeld() {
    // The console lowers a hand too: it does not outlast the seat.
    Object.assign(this, { seated: false, role: 'lobby', handUp: false });
    this.verifier.keys.leftGroup(); // what is said until we are let back in is not ours
    this.emit({ type: 'Held' });
  }

  onGroup(frame) {
    this.lastSeq = Math.max(this.lastSeq, frame.seq);
    if (this.isMe(frame.from)) this._unechoed.echoed(frame.ct);
    this._openGroup(frame);
  }

  onDirect(frame) {
    const opened = this.verifier.openDirect(frame.from, frame.ct, { onlyFacilitator: true });
    this._reportGap(opened);
    const handler = DIRECT_HANDLERS[opened.body.k];
    if (handler) handler(this, opened.body, opened.sender);
    else this.emit({ type: 'DirectMessage', sender: opened.sender, kind: opened.body.k, body: opened.body });
    this.facilitator.trustChanged(); // a co-facilitator's direct may have made it trusted
  }

  // --- group frames -------------------------------------------------------------
  _openGroup(frame, arrived = null) {
    let opened;
    const now = this.clock();
    try {
      opened = this.verifier.openGroup(frame.from, frame.epoch, frame.ct, now);
    } catch (exc) {
      if (!(exc instanceof CryptoError)) throw exc;
      if (this._worthWaiting(exc, frame.epoch)) {
        const dropped = this._pending.add(hexOf(frame.from), frame, arrived ?? now);
        if (dropped) this.emit({ type: 'Gap', sender: frame.from, missing: dropped });
        return;
      }
      if (!QUIET.has(exc.reason)) this.emit({ type: 'Rejected', reason: exc.reason, sender: frame.from, detail: exc.detail });
      return;
    }
    this._reportGap(opened);
    this._onGroupMessage(opened.sender, opened.body, frame.seq);
  }

  // A frame may arrive before its key (after a resume) or before its roster
  // (a new member's first words): hold it until they come.
  _worthWaiting(exc, epoch) {
    if (exc.reason === 'no_key') return epoch > this.verifier.keys.epoch;
    return exc.reason === 'not_in_roster' && !this.verifier.rosterKnown(epoch);
  }

  _retryPending() {
    const { frames, expired } = this._pending.take(this.clock(), (epoch) => this.verifier.keys.ours(epoch));
    for (const [sender, missing] of expired) this.emit({ type: 'Gap', sender, missing });
    for (const [arrived, frame] of frames) this._openGroup(frame, arrived);
  }

  _onGroupMessage(sender, body, seq) {
    if (body.k === 'floor' && this.isMe(body.to)) this.handUp = false; // the facilitator lowered it
    if (body.k === 'roster') {
      this.verifier.facilitators.fromRoster(body.members, sender); // delegations checked on opening
      this.facilitator.trustChanged();
      this.roster = new Map(body.members.map((m) => [hexOf(m.vk), m]));
      this.verifier.setRoster(body.epoch, body.members.map((m) => m.vk));
      if (this._welcomePending && this.roster.has(hexOf(this.identity.vk))) {
        this._welcomePending = false;
        this.emit({ type: 'Admitted' });
      }
      const renamed = this.ownName.note(this.roster.get(hexOf(this.identity.vk))?.name);
      if (renamed) this.emit({ type: 'NamedAs', name: renamed });
      this.emit({ type: 'GroupMessage', sender, kind: body.k, body, seq });
      this._retryPending();
      return;
    }
    this.emit({ type: 'GroupMessage', sender, kind: body.k, body, seq });
  }

  _reportGap(opened) {
    // (a key with intro starts the facilitator's new run: a jump, not a loss)
    if (opened.gap > 0 && !(opened.body.k === 'key' && opened.body.intro)) {
      this.emit({ type: 'Gap', sender: opened.sender, missing: opened.gap });
    }
  }

  // --- sending ------------------------------------------------------------------
  /** make() seals only once we know we can send: a frame sealed but never sent
   * leaves a hole in our counter, and others are told of a message never sent. */
  _send(make) {
    const ws = this._ws;
    if (!ws || this.role === null || ws.readyState !== 1) {
      throw new SessionError('Not connected to the session right now; trying to reconnect.');
    }
    ws.send(make());
  }

  /** Send, or say false when not connected (a SessionError). */
  _trySend(send) {
    try { send(); return true; } catch (exc) { if (!(exc instanceof SessionError)) throw exc; return false; }
  }

  /** proven: only under a key known to be current (freshness.js); a bye need not wait. */
  _sendGroup(kind, fields = {}, { proven = true } = {}) {
    const keys = this.verifier.keys;
    if (keys.current === null) throw new SessionError('You are not in the group yet.');
    if (!this.facilitator.here) throw new SessionError(NO_FACILITATOR);
    const send = () => this._send(() => {
      const ct = this.sealer.group(kind, keys.epoch, keys.current, fields);
      return this._unechoed.sent(ct, wire.frame('group', { epoch: keys.epoch, ct })); // kept past its echo
    });
    if (proven) this.keyGuard.whenCurrent(send); else send();
  }

  _sendDirect(to, kind, fields = {}) {
    this._send(() => wire.frame('direct', { to, ct: this.sealer.direct(to, kind, fields) }));
  }

  // --- what a member can do -------------------------------------------------------
  /** Sent to every facilitator connected; with none, it goes again when one comes. */
  agree() {
    if (!this.connected) throw new SessionError('Not connected to the session right now; trying to reconnect.');
    this.agreed = true;
    this.facilitator.trySend('agree');
  }
  decline() { this._end({ type: 'SessionEnded', reason: 'left', detail: 'you chose not to join' }); }
  chat(text, cw) { this._sendGroup('chat', { text, cw: cw || undefined }); }
  hand(up) { this._sendGroup('hand', { up }); this.handUp = up; }
  // Each returns how many facilitators it was sent to now, 0 when kept for a facilitator's return.
  private(text) { return this.facilitator.send('private', { text }); }
  trigger(note) { return this.facilitator.send('trigger', { note: note || undefined }); }
  stepOut(note) { const sent = this.facilitator.send('step_out', { note: note || undefined }); this.steppedOut = true; return sent; }
  back() { const sent = this.facilitator.send('back', {}); this.steppedOut = false; return sent; }
  checkInReply(status, text) { return this.facilitator.send('check_in_reply', { status, text: text || undefined }); }
  askForHelp() { return this.facilitator.send('help', {}); }

  /** Answer the facilitator's consent request (1, or 0: kept for who asked). Details travel only with a yes. */
  answerConsent(yes, details = {}) {
    const shared = yes ? Object.fromEntries(Object.entries(details).filter(([, v]) => v)) : {};
    const sent = this.facilitator.send('consent_reply', { answer: yes ? 'yes' : 'no', details: Object.keys(shared).length ? shared : undefined },
      this.consentAsked ? this.consentAsked.from : null); // only to who asked
    this.consentAsked = null;
    return sent;
  }

  /** Say goodbye to the group and go (the seat is freed at once). */
  leave() {
    if (this.seated && !this.keyGuard.freshness.stale(this.clock())) {
      this._trySend(() => this._sendGroup('bye', {}, { proven: false }));
    }
    this._end({ type: 'SessionEnded', reason: 'left', detail: '' });
  }
}
