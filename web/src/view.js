// The page: which part is showing, the message log, the alert region, and how
// each session event reads. Text from the network only ever goes in through
// textContent, so it can never become markup, and through display.js, so no
// control, bidi or zero-width character reaches the screen. Nothing here sends anything.
import { cleanBlock, cleanName } from './display.js';
import {
  CUT_OFF_LINE, HELD_TEXT, coFacilitatorsLine, consentQuestion, endingText, facilitatorLine,
  groupLine, namedAsLine, privateHeading, privateLine, waitingRoomText,
} from './chatlines.js';

// Refusals a member can do something about; the others end the session (SessionEnded).
const RELAY_ERRORS = {
  rate_limited: 'That was not sent: too many messages at once. Please wait a moment and try again.',
  too_large: 'That was not sent: it is too long. Please send it in parts.',
  not_seated: 'That was not sent: the facilitator is not connected right now.',
};

const VIEWS = ['loading', 'name', 'agreement', 'waiting', 'room', 'ended'];
// The tab's title says where the member is (read first by screen readers).
const TITLES = {
  loading: 'Join a holdspace session', name: 'Join a holdspace session',
  agreement: 'The group agreement - holdspace', waiting: 'Waiting room - holdspace',
  room: 'In the group - holdspace', ended: 'Session ended - holdspace',
};
const LOG_LIMIT = 2000; // lines kept on screen; older ones are dropped from memory

export class View {
  constructor(doc) {
    this.doc = doc;
    this.$ = (id) => doc.getElementById(id);
    this.log = this.$('log');
    this.alerts = this.$('alerts');
    this.current = 'loading';
  }

  /** Show one part of the page and move focus to where the member acts next. */
  show(name, focusId = null) {
    for (const view of VIEWS) this.$(`view-${view}`).hidden = view !== name;
    // Private messages, support and leaving stay at hand from the waiting room on.
    this.$('private-area').hidden = !['agreement', 'waiting', 'room'].includes(name);
    this.current = name;
    this.doc.title = TITLES[name];
    const target = this.$(focusId || `${name}-heading`);
    if (target) target.focus();
  }

  /** A line in the message log (announced politely by screen readers). */
  say(text, cls = 'note') {
    const line = this.doc.createElement('p');
    line.className = cls;
    line.textContent = cleanBlock(text);
    this.append(line);
  }

  append(line) {
    const nearEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 48;
    this.log.append(line);
    while (this.log.childElementCount > LOG_LIMIT) this.log.firstElementChild.remove();
    if (nearEnd) this.log.scrollTop = this.log.scrollHeight;
  }

  /** Something that must not be missed: resources, removal, the end. */
  alert(...paragraphs) {
    this.alerts.replaceChildren(...paragraphs.filter(Boolean).map((text) => {
      const p = this.doc.createElement('p');
      p.textContent = cleanBlock(text);
      return p;
    }));
  }

  clearAlert() { this.alerts.replaceChildren(); }

  showResources(text, intro = 'If you need help now:') {
    if (text) this.alert(intro, text);
  }

  setText(id, text) { this.$(id).textContent = cleanBlock(text); }

  setBundleHash(hex) { this.setText('bundle-hash', hex); }

  // --- session events -----------------------------------------------------------
  render(event, session) {
    const handler = RENDER[event.type];
    if (handler) handler(this, event, session);
  }

  chatLine(event, session) {
    const mark = session.facilitatorRole(event.sender);
    const text = groupLine(event, (vk) => cleanName(session.nameOf(vk)), (vk) => session.isMe(vk), mark);
    if (text === null) return;
    const line = this.doc.createElement('p');
    if (event.kind === 'chat') {
      // The speaker in its own element, marked by key not by name: no member can
      // make their words read as a facilitator's (the lead's, or a co-facilitator's
      // the lead signed for).
      const who = this.doc.createElement('span');
      who.className = 'who';
      who.textContent = session.isMe(event.sender) ? 'You' : cleanName(session.nameOf(event.sender));
      line.append(who);
      if (mark) {
        const role = this.doc.createElement('span');
        role.className = 'role';
        role.textContent = mark;
        line.append(role);
      }
      line.append(`: ${cleanBlock(text.slice(text.indexOf(': ') + 2))}`);
    } else {
      line.className = 'note';
      line.textContent = cleanBlock(text);
    }
    this.append(line);
  }

  updateControls(session) {
    const hand = this.$('hand');
    hand.textContent = session.handUp ? 'Lower hand' : 'Raise hand';
    hand.setAttribute('aria-pressed', String(session.handUp));
    this.$('step-out').hidden = session.steppedOut;
    this.$('back').hidden = !session.steppedOut;
  }
}

const RENDER = {
  Connected(view, event, session) {
    if (event.role === 'lobby') {
      view.setText('my-code', session.safetyCode);
      view.setText('facilitator-code', session.facilitatorCode);
      view.say(waitingRoomText(session));
      if (session.agreed) view.show('waiting');
    } else if (event.resumed) {
      view.say('Reconnected.');
    }
  },
  ConnectionLost(view) { view.say('Connection lost - trying again...'); },
  AgreementOffered(view, event) {
    view.setText('agreement-text', event.text);
    view.setText('agreement-resources', event.resources);
    view.setText('waiting-resources', event.resources);
    view.show('agreement');
  },
  Admitted(view, event, session) {
    view.say('The facilitator has let you in. You can write to the group below.');
    view.updateControls(session);
    view.show('room', 'message');
  },
  NamedAs(view, event, session) { view.say(namedAsLine(cleanName(session.name), cleanName(event.name))); },
  Held(view) {
    view.say(HELD_TEXT);
    view.alert(HELD_TEXT);
    view.show('waiting');
  },
  SessionEnded(view, event) {
    // Said once, in the alert region; the log keeps only what was said before.
    view.alert(endingText(event.reason));
    view.show('ended');
  },
  GroupMessage(view, event, session) {
    view.chatLine(event, session);
    if (event.kind === 'floor') view.updateControls(session);
  },
  DirectMessage(view, event, session) {
    const text = privateLine(event, cleanName(session.nameOf(event.sender, '')), session.facilitatorRole(event.sender));
    if (text) view.say(text, 'private');
    if (event.kind === 'check_in') {
      view.setText('check-in-text', event.body.text);
      view.$('check-in').hidden = false;
    }
  },
  ResourcesSent(view, event) {
    view.setText('waiting-resources', event.text);
    view.showResources(event.text, 'The facilitator sent you these crisis resources:');
  },
  ConsentRequested(view, event, session) {
    view.setText('consent-text', consentQuestion(event));
    view.$('consent-where').value = session.details.where || '';
    view.$('consent-contact').value = session.details.contact || '';
    view.$('consent').hidden = false;
    view.alert('The facilitator has asked you a question. It is below, under "A question from the facilitator".');
  },
  Rejected(view, event) {
    if (event.reason !== 'no_key') view.say('(A message could not be verified and was not shown.)');
  },
  Gap(view, event, session) { view.say(`* Some messages from ${cleanName(session.nameOf(event.sender))} may be missing.`); },
  FacilitatorPresence(view, event) {
    const line = facilitatorLine(event);
    view.say(line);
    view.alert(line);
  },
  CoFacilitators(view, event) {
    view.say(coFacilitatorsLine(event.count));
    view.setText('private-heading', privateHeading(event.count));
  },
  CutOff(view) { view.say(CUT_OFF_LINE); view.alert(CUT_OFF_LINE); },
  NotSent(view, event) { view.say(event.detail); },
  RelayError(view, event) {
    const words = RELAY_ERRORS[event.code];
    if (words) view.say(words);
  },
};
