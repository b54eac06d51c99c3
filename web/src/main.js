// The member page's entry point: reads the invite from the address's fragment,
// asks the member's name, and joins the controls to the session. In Node (the
// interop vectors) it only exports the protocol functions and touches no page.
import * as commands from './commands.js';
import { ready } from './crypto.js';
import { NAME_LIMIT, nameProblem, normalName } from './display.js';
import { InviteError, parseWebFragment } from './links.js';
import { MemberSession } from './session.js';
import { View } from './view.js';

export * as crypto from './crypto.js';
export * as display from './display.js';
export * as links from './links.js';
export * as payloads from './payloads.js';
export * as trust from './trust.js';
export * as wire from './wire.js';
export { MemberSession } from './session.js';

/** Where the relay is: a <meta name="holdspace-relay"> written by `holdspace web
 * export`, else the origin and path that served this page, /join left off (a
 * relay behind a proxy on a path serves the page at /PATH/join). */
function relayUrl(doc, location) {
  const meta = doc.querySelector('meta[name="holdspace-relay"]');
  if (meta && meta.content) return meta.content.replace(/\/+$/, '');
  const path = location.pathname.replace(/\/+$/, '').replace(/\/join$/, '');
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
}

/** The integrity hash the browser checked this code against, shown as hex. */
function bundleHash(doc) {
  const script = doc.querySelector('script[integrity]');
  const b64 = script ? script.integrity.replace(/^sha256-/, '') : '';
  try {
    return Array.from(atob(b64), (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('') || 'unknown';
  } catch {
    return 'unknown';
  }
}

function bind(view, session) {
  const $ = view.$;
  const outcome = (result) => {
    if (result.say) view.say(result.say);
    if (result.showResources) view.showResources(session.resources);
    view.updateControls(session);
  };
  // Clears a field only once what was typed in it has gone.
  const sent = (result, ...ids) => {
    if (!result.failed) for (const id of ids) $(id).value = '';
    outcome(result);
    return result;
  };
  const note = () => $('private').value.trim();
  const onClick = (id, act) => $(id).addEventListener('click', act);

  onClick('agree', () => {
    try {
      session.agree();
      view.say(`Thank you. The facilitator will let you in soon. Your safety code is ${session.safetyCode}.`);
      view.show('waiting');
    } catch (exc) {
      view.alert(exc.message);
    }
  });
  onClick('decline', () => { view.say('You chose not to join. Take care.'); session.decline(); });
  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sent(commands.chat(session, $('message').value), 'message');
  });
  onClick('hand', () => outcome(commands.hand(session)));
  onClick('step-out', () => { if (!sent(commands.stepOut(session, note()), 'private').failed) $('back').focus(); });
  onClick('back', () => { if (!sent(commands.back(session)).failed) $('step-out').focus(); });
  onClick('hard', () => sent(commands.trigger(session, note()), 'private'));
  onClick('support', () => outcome(commands.askForHelp(session)));
  $('private-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sent(commands.toFacilitator(session, $('private').value), 'private');
  });
  for (const button of $('check-in').querySelectorAll('button[data-status]')) {
    button.addEventListener('click', () => {
      if (sent(commands.checkInReply(session, button.dataset.status, $('check-in-note').value), 'check-in-note').failed) return;
      $('check-in').hidden = true;
      $('message').focus();
    });
  }
  const consent = (yes) => {
    const details = yes ? { where: $('consent-where').value.trim(), contact: $('consent-contact').value.trim() } : {};
    if (yes) session.details = { ...details };
    view.clearAlert(); // the alert that pointed to the question
    if (!sent(commands.answerConsent(session, yes, details)).failed) $('consent').hidden = true;
  };
  onClick('consent-yes', () => consent(true));
  onClick('consent-no', () => consent(false));
  onClick('details-keep', () => {
    session.details = { where: $('details-where').value.trim(), contact: $('details-contact').value.trim() };
    view.say(`Kept for this session only: ${commands.describe(session.details) || '(nothing)'}`);
  });
  onClick('details-forget', () => {
    session.details = {};
    $('details-where').value = '';
    $('details-contact').value = '';
    view.say('Your details are forgotten.');
  });
  onClick('leave', () => { $('leave-confirm').hidden = false; $('leave-heading').focus(); });
  onClick('leave-stay', () => { $('leave-confirm').hidden = true; $('leave').focus(); view.say('Staying in the session.'); });
  onClick('leave-ok', () => commands.leave(session, true));
  onClick('leave-now', () => commands.leave(session, false));
  $('leave-confirm').addEventListener('keydown', (e) => { if (e.key === 'Escape') $('leave-stay').click(); });
}

export async function startPage(doc, location, history) {
  const view = new View(doc);
  await ready();
  view.setBundleHash(bundleHash(doc));
  let invite;
  try {
    invite = parseWebFragment(location.hash, relayUrl(doc, location));
  } catch (exc) {
    if (!(exc instanceof InviteError)) throw exc;
    view.alert(exc.message);
    view.setText('loading-heading', 'This link cannot be used');
    return;
  } finally {
    // The secret stays in this page's memory only: not in the address bar or history.
    history.replaceState(null, '', location.pathname + location.search);
  }
  view.say('Nothing you see here is saved anywhere.');
  view.show('name', 'name');
  let session = null;
  doc.getElementById('name-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (session) return;
    const name = doc.getElementById('name').value.trim();
    // The same rules as the terminal client: a name the group would never see
    // is refused here, in one sentence, rather than shown as "Unnamed member".
    const problem = name ? nameProblem(name) : 'Please type a name first. A first name or a made-up name is fine.';
    if (problem) {
      view.alert(problem);
      doc.getElementById('name').focus();
      return;
    }
    view.clearAlert();
    session = new MemberSession(invite, [...normalName(name)].slice(0, NAME_LIMIT).join(''));
    session.subscribe((event) => view.render(event, session));
    bind(view, session);
    view.say('Connecting...');
    view.show('loading');
    view.setText('loading-heading', 'Knocking on the door');
    session.start();
  });
  doc.documentElement.dataset.readyMs = String(Math.round(performance.now()));
  doc.documentElement.dataset.ready = 'knock';
}

if (typeof document !== 'undefined' && document.getElementById('log')) {
  startPage(document, window.location, window.history);
}
