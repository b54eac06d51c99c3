// The name the group sees this member by, as the facilitator's roster gives it.
// The member is told when it is not the one they chose ("Sam (2)": another Sam
// was here first), and again whenever it changes: the rule of
// MemberSession._note_roster_name in client/member_session.py.
export class OwnName {
  constructor(chosen) {
    this.chosen = chosen; // already normal (main.js), as the facilitator makes it
    this.shownAs = null; // the roster's name for us, once a roster has listed us
  }

  /** The roster's name for us (undefined when it does not list us): the name
   * to tell the member they go by, or null when there is nothing to say. */
  note(name) {
    if (name === undefined || name === this.shownAs) return null;
    const first = this.shownAs === null;
    this.shownAs = name;
    return !first || name !== this.chosen ? name : null;
  }
}
