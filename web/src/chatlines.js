// How messages read on the page, in the same words as client/chatlines.py and
// the member's terminal client (member/commands.py). Nothing here touches the page.

const CHECK_IN_WORDS = { ok: "I'm OK", soon: 'back soon', support: 'I need support' };

/** One line for the group chat, or null for messages not shown there
 * (role: the sender's facilitator mark, session.facilitatorRole). */
export function groupLine(event, nameOf, isMe, role = null) {
  const { body } = event;
  const who = isMe(event.sender) ? 'You' : nameOf(event.sender);
  switch (event.kind) {
    case 'chat': return `${who}: ${body.cw ? `[${body.cw}] ` : ''}${body.text}`;
    case 'notice': return `* ${body.text}`;
    case 'floor': {
      const by = role === 'co-facilitator' ? `${who} (co-facilitator)` : 'The facilitator';
      return `* ${by} has invited ${isMe(body.to) ? 'you' : nameOf(body.to)} to speak.`;
    }
    case 'bye': return `* ${who} left the session.`;
    case 'hand': return body.up ? `* ${who} raised a hand.` : null;
    default: return null;
  }
}

/** One line for a private message from a facilitator: the lead, or a
 * co-facilitator, named as the roster names it (role 'co-facilitator'). */
export function privateLine(event, name = '', role = 'facilitator') {
  const { body } = event;
  const co = role === 'co-facilitator' ? (name && `${name} (co-facilitator)`) || 'Your co-facilitator' : '';
  if (event.kind === 'private') return `(private) ${co || 'Facilitator'}: ${body.text}`;
  if (event.kind === 'check_in') return `(private) ${co || 'The facilitator'} is checking in: ${body.text}`;
  return null;
}

/** For a member the group sees under another name than the one they chose
 * (both names already cleaned by the caller): client/chatlines.named_as_line. */
export function namedAsLine(mine, theirs) {
  if (/^.* \(\d+\)$/u.test(theirs)) { // "Sam (2)": told apart from a member or a co-facilitator
    return `* Someone else in the group is also called ${mine}, so the group sees you as ${theirs}.`;
  }
  return `* The group sees you as ${theirs}.`;
}

export const checkInWords = (status) => CHECK_IN_WORDS[status];

export const ENDINGS = {
  removed: 'The facilitator has asked you to leave this session. '
    + 'If you want to talk about it, you can contact the group\'s organisers.',
  denied: 'The facilitator could not let you in this time.',
  room_closed: 'The session has ended. Thank you for being here.',
  left: 'You have left the session. Take care of yourself.',
  banned: 'You cannot rejoin this session.',
  bad_invite: 'This invite link no longer works. Please ask the facilitator for a new one.',
  no_room: 'This session is not open right now. It may have ended, or not started yet.',
  lobby_full: 'The waiting room is full right now. Please try again in a little while.',
  room_full: 'The session is full right now. Please try again in a little while.',
  gave_up: 'We could not reach the session. Please check your connection and the link.',
  replaced: 'This session was opened in another window, so it closed here.',
  closed: 'You have left the session.',
};

export const endingText = (reason) => ENDINGS[reason] || 'The session has ended for you.';

export const waitingRoomText = (session) => `You are in the waiting room. Your safety code is ${session.safetyCode}; `
  + 'the facilitator may ask you to read it out. The facilitator\'s code is '
  + `${session.facilitatorCode}: if they read theirs out, it should be the same. They will let you in soon.`;

// Who reads what a member sends the facilitator privately, said when it changes.
export const coFacilitatorsLine = (count) => (count > 0
  ? '* A co-facilitator is running this group with the facilitator: what you send the facilitator '
    + 'privately reaches them both.'
  : '* There is no co-facilitator now: what you send privately reaches the facilitator only.');
export const privateHeading = (count) => (count > 0 ? 'Only the facilitators see this' : 'Only the facilitator sees this');

export const FACILITATOR_GONE = '* The facilitator\'s connection dropped. They may be back shortly.';
export const FACILITATOR_BACK = '* The facilitator is back.';
// Before this page has counted any facilitator present (a member who knocked
// while only an untrusted-yet co-facilitator kept the room): nobody "dropped".
export const FACILITATOR_NONE = '* No facilitator is connected right now. They may be along shortly.';
export const FACILITATOR_FIRST = '* A facilitator is here now.';
export function facilitatorLine({ present, seen }) {
  if (present) return seen ? FACILITATOR_BACK : FACILITATOR_FIRST;
  return seen ? FACILITATOR_GONE : FACILITATOR_NONE;
}
// Said instead of "the facilitator has been told" while none is connected.
export const KEPT = 'No facilitator is connected right now. This is kept and will reach them the moment they are back.';
export const HELP_KEPT = 'No facilitator is connected right now, so nobody has been asked yet. Your request is kept '
  + 'and will reach them the moment they are back. These resources can help at once:';

export const CUT_OFF_LINE = '* You are cut off from the group for now: for over a minute your connection has '
  + 'not been getting what the facilitator sends. Reconnecting... Nothing you type is sent until this is fixed.';

export const HELD_TEXT = 'The facilitator has moved you back to the waiting room for now. '
  + 'They may want a private word with you; please stay here.';

export function consentQuestion(request) {
  let text = `The facilitator is worried about your safety and would like to contact ${request.contact || 'someone who can help'}.`;
  if (request.reason) text += `\nThey say: ${request.reason}`;
  return `${text}\nDo you agree to share your details (where you are, who to contact) with the facilitator for this?`;
}
