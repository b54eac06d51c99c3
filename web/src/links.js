// Invite links, in both forms: the terminal's ws(s)://HOST/ROOM#FACVK.SECRET and
// the page's http(s)://HOST/join#ROOM.FACVK.SECRET. Mirrors InviteLink and
// parse_invite in client/invites.py. Each part is base64url without padding;
// FACVK pins the facilitator's key, SECRET is the invite (never sent in a URL).
import { b64d, b64e, boxPublicKey } from './crypto.js';
import { INVITE_LEN, ROOM_LEN, VK_LEN } from './wire.js';

export class InviteError extends Error {
  get reason() { return 'bad_link'; }
}

const BAD_LINK = 'That link does not look like a holdspace invite. Please check you copied '
  + 'all of it, including the part after the # sign.';

/** The parts of an invite link: where the relay is, the room, the pinned facilitator, the secret. */
export class InviteLink {
  constructor(relayUrl, room, facilitatorVk, secret) {
    Object.assign(this, { relayUrl, room, facilitatorVk, secret });
  }

  get link() { return `${this.relayUrl}/${b64e(this.room)}#${b64e(this.facilitatorVk)}.${b64e(this.secret)}`; }
}

function inviteFrom(relayUrl, roomText, facText, secretText) {
  let room;
  let fac;
  let secret;
  try {
    [room, fac, secret] = [b64d(roomText), b64d(facText), b64d(secretText)];
    if (room.length !== ROOM_LEN || fac.length !== VK_LEN || secret.length !== INVITE_LEN) throw new InviteError(BAD_LINK);
    boxPublicKey(fac);
  } catch {
    throw new InviteError(BAD_LINK);
  }
  return new InviteLink(relayUrl, room, fac, secret);
}

/** The fragment of a web link, ROOM.FACVK.SECRET, for the relay at relayUrl. */
export function parseWebFragment(fragment, relayUrl) {
  const parts = String(fragment).replace(/^#/, '').trim().split('.');
  if (parts.length !== 3) throw new InviteError(BAD_LINK);
  return inviteFrom(relayUrl, ...parts);
}

/** The relay's own path behind a proxy: what comes before the last part of the
 * link's path (the room, or "join" in a web link). '' when the relay has none. */
function relayPath(pathname) {
  const path = pathname.replace(/\/+$/, '');
  return path.slice(0, path.lastIndexOf('/') + 1).replace(/\/+$/, '');
}

/** Either link form: ws(s)://HOST[/PATH]/ROOM#FACVK.SECRET or
 * http(s)://HOST[/PATH]/join#ROOM.FACVK.SECRET. */
export function parseInvite(link) {
  let url;
  try {
    url = new URL(String(link).trim());
  } catch {
    throw new InviteError(BAD_LINK);
  }
  const fragment = url.hash.replace(/^#/, '');
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    return parseWebFragment(fragment, `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}${relayPath(url.pathname)}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new InviteError(BAD_LINK);
  const [fac, secret, ...rest] = fragment.split('.');
  if (rest.length || secret === undefined) throw new InviteError(BAD_LINK);
  const room = url.pathname.replace(/\/+$/, '').split('/').pop();
  return inviteFrom(`${url.protocol}//${url.host}${relayPath(url.pathname)}`, room, fac, secret);
}

