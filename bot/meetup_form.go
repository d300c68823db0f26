package bot

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The meetup forms: a new meetup (its Ref is the creation key, so that
// submitting it twice creates one meetup), and editing one (its Ref is
// the meetup's ID).
const (
	MeetupCreateForm = "meetup_create"
	MeetupEditForm   = "meetup_edit"
)

// meetupForm is the form that announces a new meetup, or, with id set,
// edits meetup id; f holds the answers to show.
func meetupForm(f MeetupForm, loc *time.Location, id int64, ref string) *Form {
	out := &Form{ID: MeetupCreateForm, Ref: ref, Title: "New meetup", Submit: "Announce", Cancel: "Cancel"}
	if id > 0 {
		out.ID, out.Ref, out.Title, out.Submit = MeetupEditForm, strconv.FormatInt(id, 10), "Edit meetup", "Save"
	}
	options := func(cs []Choice) []Option {
		out := make([]Option, len(cs))
		for i, c := range cs {
			out[i] = Option{Value: c.Code, Label: c.Label}
		}
		return out
	}
	out.Inputs = []Input{
		{ID: MeetupFieldTitle, Label: "Title", Kind: InputShortText, Value: f.Title, MaxLen: MaxMeetupTitleLen, Placeholder: "e.g. First5 lunch and learn"},
		{ID: MeetupFieldPurpose, Label: "What it's for", Kind: InputShortText, Value: f.Purpose, MaxLen: MaxMeetupPurposeLen, Placeholder: "e.g. First5 group, practice managers, PCN lunch"},
		{ID: MeetupFieldDate, Label: "Date", Kind: InputDate, Value: f.Date, Hint: "Times are " + loc.String() + " time."},
		{ID: MeetupFieldStart, Label: "Starts at", Kind: InputTime, Value: f.Start},
		{ID: MeetupFieldEnd, Label: "Ends at", Kind: InputTime, Value: f.End},
		// Optional to the platform: a place or a link will do, which the
		// validation checks.
		{ID: MeetupFieldPlace, Label: "Place", Kind: InputShortText, Value: f.Place, MaxLen: MaxMeetupPlaceLen, Optional: true, Placeholder: "e.g. Riverside Surgery, meeting room 2"},
		{ID: MeetupFieldLink, Label: "Video link", Kind: InputURL, Value: f.Link, Optional: true, Placeholder: "https://…",
			Hint: "For a video meetup, or to join from afar. Give a place, a link, or both."},
		{ID: MeetupFieldRoles, Label: "For these roles", Kind: InputMultiChoice, Options: options(Roles), Values: f.Roles, Optional: true, Placeholder: "Everyone",
			Hint: "Leave roles and sectors empty to invite everyone."},
		{ID: MeetupFieldSectors, Label: "For these sectors", Kind: InputMultiChoice, Options: options(Sectors), Values: f.Sectors, Optional: true, Placeholder: "Everyone"},
		{ID: MeetupFieldFood, Label: "Food provided?", Kind: InputChoice, Expanded: true, Value: f.Food,
			Options: []Option{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}},
		{ID: MeetupFieldCapacity, Label: "Places", Kind: InputNumber, Value: f.Capacity, Optional: true, Placeholder: "No limit",
			Hint: "When it is full, people join a waiting list and move up as places free."},
		{ID: MeetupFieldRSVPBy, Label: "Answers close on", Kind: InputDate, Value: f.RSVPBy, Optional: true,
			Hint: "Optional: the last day people can say they're coming."},
	}
	return out
}

// meetupFormNotice is a form that shows only why the meetup form cannot be.
func meetupFormNotice(parts ...any) *Form {
	return &Form{ID: MeetupEditForm, Title: "Edit meetup", Cancel: "Close", Intro: P(parts...)}
}

// meetupFormFrom reads a submitted meetup form.
func meetupFormFrom(v FormValues) MeetupForm {
	return MeetupForm{
		Title: v.Get(MeetupFieldTitle), Purpose: v.Get(MeetupFieldPurpose),
		Date: v.Get(MeetupFieldDate), Start: v.Get(MeetupFieldStart), End: v.Get(MeetupFieldEnd),
		Place: v.Get(MeetupFieldPlace), Link: v.Get(MeetupFieldLink),
		Roles: v.List(MeetupFieldRoles), Sectors: v.List(MeetupFieldSectors),
		Food: v.Get(MeetupFieldFood), Capacity: v.Get(MeetupFieldCapacity), RSVPBy: v.Get(MeetupFieldRSVPBy),
	}
}

// MeetupForm is a meetup as submitted from a form, before validation.
// Dates are YYYY-MM-DD and times HH:MM, in the network's time zone.
type MeetupForm struct {
	Title    string
	Purpose  string
	Date     string
	Start    string
	End      string
	Place    string
	Link     string
	Roles    []string
	Sectors  []string
	Food     string // "yes" or "no"
	Capacity string // a whole number, or empty for no limit
	RSVPBy   string // a date, or empty
}

// FormFromMeetup returns the form that shows m, for editing.
func FormFromMeetup(m *Meetup, loc *time.Location) MeetupForm {
	start, end := m.StartsAt.In(loc), m.EndsAt.In(loc)
	f := MeetupForm{
		Title: m.Title, Purpose: m.Purpose,
		Date: start.Format(time.DateOnly), Start: start.Format("15:04"), End: end.Format("15:04"),
		Place: m.Place, Link: m.Link, Roles: m.Roles, Sectors: m.Sectors, Food: "no",
	}
	if m.Food {
		f.Food = "yes"
	}
	if m.Capacity > 0 {
		f.Capacity = strconv.Itoa(m.Capacity)
	}
	if m.RSVPBy != nil {
		// Stored as the moment answers close: midnight after the chosen
		// day (or the start, if sooner), which belongs to the day before.
		f.RSVPBy = m.RSVPBy.Add(-time.Second).In(loc).Format(time.DateOnly)
	}
	return f
}

// validate turns a form into a meetup, or returns an EINVALID *Error whose
// Fields say what to fix in each field.
func (f MeetupForm) validate(now time.Time, loc *time.Location) (*Meetup, error) {
	errs := map[string]string{}
	m := &Meetup{Status: MeetupScheduled}

	text := func(field, value string, max int, required bool, ask string) string {
		v := oneLine(CleanText(value))
		switch {
		case v == "" && required:
			errs[field] = ask
		case v != "":
			if msg := checkText(v, max); msg != "" {
				errs[field] = msg
			}
		}
		return v
	}
	m.Title = text(MeetupFieldTitle, f.Title, MaxMeetupTitleLen, true, "Please give your meetup a title, like \"First5 lunch\".")
	m.Purpose = text(MeetupFieldPurpose, f.Purpose, MaxMeetupPurposeLen, true, "Please say in a few words what it is for, like \"practice managers\" or \"PCN lunch\".")
	m.Place = text(MeetupFieldPlace, f.Place, MaxMeetupPlaceLen, false, "")

	m.Link = strings.TrimSpace(CleanText(f.Link))
	if m.Link != "" {
		if msg := checkLink(m.Link); msg != "" {
			errs[MeetupFieldLink] = msg
		}
	}
	if m.Place == "" && m.Link == "" && errs[MeetupFieldPlace] == "" {
		errs[MeetupFieldPlace] = "Please say where it is, or add a video link below."
	}

	day, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(f.Date), loc)
	if err != nil {
		errs[MeetupFieldDate] = "Please choose the date from the calendar."
	}
	clock := func(field, value, ask string) (h, min int, ok bool) {
		t, err := time.Parse("15:04", strings.TrimSpace(value))
		if err != nil {
			errs[field] = ask
			return 0, 0, false
		}
		return t.Hour(), t.Minute(), true
	}
	sh, sm, okStart := clock(MeetupFieldStart, f.Start, "Please choose a start time.")
	eh, em, okEnd := clock(MeetupFieldEnd, f.End, "Please choose an end time.")
	if errs[MeetupFieldDate] == "" && okStart && okEnd {
		m.StartsAt = time.Date(day.Year(), day.Month(), day.Day(), sh, sm, 0, 0, loc).UTC()
		m.EndsAt = time.Date(day.Year(), day.Month(), day.Day(), eh, em, 0, 0, loc).UTC()
		today := now.In(loc)
		switch {
		case day.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)):
			errs[MeetupFieldDate] = "That date has passed. Please choose today or a later day."
		case !m.StartsAt.After(now):
			errs[MeetupFieldStart] = fmt.Sprintf("That time has passed (it is %s now). Please choose a later start.", today.Format("15:04"))
		}
		if !m.EndsAt.After(m.StartsAt) {
			errs[MeetupFieldEnd] = fmt.Sprintf("The end is before the start. Please choose an end after %02d:%02d (meetups end on the day they start).", sh, sm)
		}
	}

	m.Roles, m.Sectors = chosen(f.Roles, Roles), chosen(f.Sectors, Sectors)
	if len(m.Roles) != len(f.Roles) {
		errs[MeetupFieldRoles] = "Some of these roles are no longer offered. Please choose again."
	}
	if len(m.Sectors) != len(f.Sectors) {
		errs[MeetupFieldSectors] = "Some of these sectors are no longer offered. Please choose again."
	}

	switch f.Food {
	case "yes":
		m.Food = true
	case "no":
	default:
		errs[MeetupFieldFood] = "Please say whether food is provided."
	}

	if c := strings.TrimSpace(f.Capacity); c != "" {
		n, err := strconv.Atoi(c)
		switch {
		case err != nil:
			errs[MeetupFieldCapacity] = "Please type a whole number of places, like 30, or leave it empty for no limit."
		case n < 1:
			errs[MeetupFieldCapacity] = "Please allow at least 1 place, or leave it empty for no limit."
		case n > MaxMeetupCapacity:
			errs[MeetupFieldCapacity] = fmt.Sprintf("Please allow at most %d places, or leave it empty for no limit.", MaxMeetupCapacity)
		default:
			m.Capacity = n
		}
	}

	if d := strings.TrimSpace(f.RSVPBy); d != "" {
		by, err := time.ParseInLocation(time.DateOnly, d, loc)
		switch {
		case err != nil:
			errs[MeetupFieldRSVPBy] = "Please choose the date from the calendar, or leave it empty."
		case !by.AddDate(0, 0, 1).After(now):
			errs[MeetupFieldRSVPBy] = "That date has passed. Please choose a later one, or leave it empty."
		case !m.StartsAt.IsZero() && by.After(m.StartsAt):
			errs[MeetupFieldRSVPBy] = "Answers must close before the meetup starts. Please choose its day or earlier, or leave it empty."
		default:
			// Answers close at the end of that day, or at the start if sooner.
			end := by.AddDate(0, 0, 1).UTC()
			if !m.StartsAt.IsZero() && end.After(m.StartsAt) {
				end = m.StartsAt
			}
			m.RSVPBy = &end
		}
	}

	if len(errs) > 0 {
		return nil, &Error{Code: EINVALID, Message: "Some answers need a second look.", Fields: errs}
	}
	return m, nil
}

// checkLink returns a message when s is not a usable https link. Plain
// http is refused: the link is sent to every member invited, and a
// meeting link should not travel in the clear.
func checkLink(s string) string {
	const how = "Please paste a link that starts with https://, like https://meet.google.com/abc-defg-hij."
	if len(s) > MaxMeetupLinkLen {
		return fmt.Sprintf("Please use a shorter link (at most %d characters).", MaxMeetupLinkLen)
	}
	u, err := url.Parse(s)
	if err == nil && strings.EqualFold(u.Scheme, "http") && u.Host != "" {
		return "Please use the secure version of the link, starting with https:// rather than http:// (video services all offer one)."
	}
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return how
	}
	// Slack reads < > | as the edges of a link.
	if strings.ContainsAny(s, " <>|\"") || checkText(s, MaxMeetupLinkLen) != "" {
		return "Please remove spaces and special characters from the link. " + how
	}
	return ""
}

// chosen keeps the codes that are in choices, in choices' order.
func chosen(codes []string, choices []Choice) []string {
	var out []string
	for _, c := range choices {
		if slices.Contains(codes, c.Code) {
			out = append(out, c.Code)
		}
	}
	return out
}
