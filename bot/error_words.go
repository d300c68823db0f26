package bot

// errorWords puts into words an error that carries only its code and
// subject, as storage returns them, or returns nil when it has none for
// them. Each case is the one sentence a person reads for that error;
// a use case that knows better what the person tried to do words the
// error its own way before it gets here.
func errorWords(e *Error) Text {
	switch e.About {
	case AboutMember:
		if e.Code == ENOTFOUND {
			return P("You haven't joined yet. Run ", Cmd(), " to set up your profile.")
		}
	case AboutMeetup:
		switch e.Code {
		case ENOTFOUND:
			return P("That meetup does not exist.")
		case ECONFLICT:
			return P("That meetup has been cancelled.")
		}
	case AboutIntro:
		if e.Code == ENOTFOUND {
			return P("That introduction no longer exists.")
		}
	case AboutIntroPlace:
		if e.Code == ENOTFOUND {
			return P("You are not part of that introduction.")
		}
	case AboutOrganisation:
		switch e.Code {
		case EINVALID:
			return P("Please give the organisation's name.")
		case ECONFLICT:
			return P(e.Name, " is already on the list.")
		case ENOTFOUND:
			return P(e.Name, " is not on the list of organisations.")
		}
	case AboutIntroRequest:
		switch e.Code {
		case ENOTFOUND:
			return P("That request is not yours to answer, or it no longer exists.")
		case ECONFLICT:
			return P("That request has been answered already.")
		case ELIMIT:
			return P("You've asked for as many introductions as a member may this week. You can ask again in a few days.")
		}
	case AboutRound:
		switch e.Code {
		case ECONFLICT:
			return P("A round has already run for this period.")
		case ENOTFOUND:
			return P("No round has run yet.")
		}
	}
	return nil
}
