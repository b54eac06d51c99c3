// What a member can do from the page, in the plain words of the terminal client
// (member/commands.py). Each action returns what to show: {say, showResources}.
// Nothing here touches the page; problems become plain words, never an exception,
// and {failed: true} so the page keeps what the member typed.
import { SessionError } from './session.js';
import { HELP_KEPT, KEPT, checkInWords } from './chatlines.js';

const NOT_IN_YET = 'You are still in the waiting room; the facilitator will let you in soon.';

function perform(action) {
  try {
    return action() || {};
  } catch (exc) {
    if (exc instanceof SessionError) return { say: exc.message, failed: true };
    throw exc;
  }
}

export const chat = (session, text) => perform(() => {
  if (!text.trim()) return { failed: true };
  if (!session.seated) return { say: NOT_IN_YET, failed: true };
  session.chat(text.trim());
  return {};
});

export const hand = (session) => perform(() => {
  if (!session.seated) return { say: NOT_IN_YET };
  const up = !session.handUp;
  session.hand(up);
  return { say: up ? 'Your hand is raised. The facilitator can see it.' : 'Your hand is lowered.' };
});

export const stepOut = (session, note) => perform(() => ({
  say: session.stepOut(note) ? 'The facilitator knows you have stepped out. Press I\'m back when you return.'
    : `${KEPT} Press I'm back when you return.`,
}));

export const back = (session) => perform(() => ({
  say: session.back() ? 'Welcome back. The facilitator knows you are here.' : KEPT,
}));

// Whom a member's words reached: the lead and a connected co-facilitator are
// "the facilitators" (member/commands.py says the same).
const reached = (count) => (count > 1 ? 'The facilitators have been' : 'The facilitator has been');

export const trigger = (session, note) => perform(() => {
  const sent = session.trigger(note);
  return { say: sent ? `${reached(sent)} told, privately, that you are finding this hard. Take whatever time you need.` : KEPT };
});

/** Said when private words went to `count` facilitators (member/commands.py sent_privately). */
const sentPrivately = (count, waiting = false) => `Sent privately to ${count > 1 ? 'the facilitators' : 'the facilitator'}`
  + `${waiting ? ' (you are in the waiting room, so only they can read it)' : ''}.`;

export const toFacilitator = (session, text) => perform(() => {
  if (!text.trim()) return { say: 'Write your message in the box first.', failed: true };
  const sent = session.private(text.trim());
  return { say: sent ? sentPrivately(sent, !session.seated) : KEPT };
});

export function askForHelp(session) {
  try {
    const sent = session.askForHelp();
    return { say: sent ? `${reached(sent)} asked to support you now.` : HELP_KEPT, showResources: true };
  } catch (exc) {
    if (!(exc instanceof SessionError)) throw exc;
    return { say: 'We could not reach the facilitator just now. These resources can help at once:', showResources: true };
  }
}

export const checkInReply = (session, status, text) => perform(() => {
  const sent = session.checkInReply(status, text.trim());
  return { say: sent ? `You told the facilitator: ${checkInWords(status)}.` : KEPT, showResources: status === 'support' };
});

export const answerConsent = (session, yes, details) => perform(() => {
  const several = session.facilitator.reachable().length > 1;
  const sent = session.answerConsent(yes, details);
  if (!yes) {
    return { say: 'You said no. Nothing was shared. The facilitator may still want to talk with you privately.', showResources: true };
  }
  const shared = describe(details);
  return { say: `${consentShared(sent, several)} ${shared || '(you did not add any details)'}` };
});

/** Whom a yes reached: only who asked (member/dialogs.py consent_shared). */
function consentShared(sent, several) {
  const who = several ? 'the facilitator who asked you' : 'the facilitator';
  if (!sent) {
    return `Thank you. You agreed. No facilitator is connected right now: this is kept for ${who} only and will reach them the moment they are back:`;
  }
  return `Thank you. You agreed, and this was shared with ${who} only:`;
}

export function describe(details) {
  const parts = [];
  if (details.where) parts.push(`Where you are: ${details.where}`);
  if (details.contact) parts.push(`Who to contact: ${details.contact}`);
  return parts.join('. ');
}

/** Leave; if the member wants, first tell the facilitator they are OK. */
export function leave(session, tellOk) {
  if (tellOk) {
    try { session.private("I'm OK - leaving the session now."); } catch (exc) { if (!(exc instanceof SessionError)) throw exc; }
  }
  session.leave();
}
