package bot

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Member statuses.
const (
	StatusActive   = "active"   // takes part in rounds unless paused
	StatusInactive = "inactive" // could not be reached on the platform
)

// Member is a person who has joined the network with /introduce-me.
type Member struct {
	ID       int64   `json:"id"`
	Platform string  `json:"platform"` // "slack" or "teams"
	UserID   string  `json:"user_id"`  // the platform's user ID
	Name     string  `json:"name"`     // display name from the platform, for introductions
	Profile  Profile `json:"profile"`
	Status   string  `json:"status"`

	// Paused is true while the member takes a break. PausedUntil is nil for
	// an indefinite pause, otherwise the first day they are back.
	Paused      bool       `json:"paused"`
	PausedUntil *time.Time `json:"paused_until"`

	JoinedAt  time.Time `json:"joined_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// FirstName is the first name the platform gives (or its display name,
	// when it has no first name); the FirstName function, which is how
	// every message addresses the member, prefers it to Name.
	FirstName string `json:"first_name,omitempty"`
}

// PausedAt reports whether the member is paused at time t.
func (m *Member) PausedAt(t time.Time) bool {
	if !m.Paused {
		return false
	}
	return m.PausedUntil == nil || t.Before(*m.PausedUntil)
}

// Profile is what a member tells the network about themselves.
type Profile struct {
	Organisation string   `json:"organisation"`
	Sector       string   `json:"sector"`
	Role         string   `json:"role"`
	CareerStage  string   `json:"career_stage"`
	Interests    []string `json:"interests"`
	Offers       []string `json:"offers"`
	Asks         []string `json:"asks"`
	Frequency    string   `json:"frequency"`
	Mentoring    string   `json:"mentoring"`
	Meeting      string   `json:"meeting"`
	Bio          string   `json:"bio"`
	// Listed puts the member in the directory, where members find them by
	// what they offer. Off until they turn it on.
	Listed bool `json:"listed_in_directory"`
}

// Profile field names, used as keys of Error.Fields.
const (
	FieldOrganisation = "organisation"
	FieldOrgOther     = "organisation_other"
	FieldOrgIsNew     = "organisation_new"
	FieldSector       = "sector"
	FieldRole         = "role"
	FieldCareerStage  = "career_stage"
	FieldInterests    = "interests"
	FieldOffers       = "offers"
	FieldAsks         = "asks"
	FieldFrequency    = "frequency"
	FieldMentoring    = "mentoring"
	FieldMeeting      = "meeting"
	FieldBio          = "bio"
)

// Limits on profile fields. They keep messages short and exports small.
const (
	MaxOrganisationLen = 80
	MaxBioLen          = 150
	MaxTopicLen        = 40
	MaxInterests       = 15
	MaxOffers          = 10
	MaxAsks            = 10
)

// OtherOrganisation is the organisation choice that means "not on the
// network's list"; the name then comes from a free-text field.
const OtherOrganisation = "__other__"

// ProfileForm is a profile as submitted from a form, before validation:
// the organisation may be a listed one or OtherOrganisation with a typed
// name, and topics come as chosen options plus comma-separated free text.
type ProfileForm struct {
	Organisation      string // a listed organisation's name, or OtherOrganisation
	OrganisationOther string
	// OrganisationIsNew says the typed organisation really is not the
	// listed one whose name it resembles.
	OrganisationIsNew bool
	Sector            string
	Role              string
	CareerStage       string
	Interests         []string
	InterestsOther    string
	Offers            []string
	OffersOther       string
	Asks              []string
	AsksOther         string
	Frequency         string
	Mentoring         string
	Meeting           string
	Bio               string
	Listed            bool
}

// FormFromProfile returns the form that shows p, for pre-filling.
func FormFromProfile(p Profile, listed []Organisation) ProfileForm {
	f := ProfileForm{
		Organisation: OtherOrganisation, OrganisationOther: p.Organisation,
		Sector: p.Sector, Role: p.Role, CareerStage: p.CareerStage,
		Frequency: p.Frequency, Mentoring: p.Mentoring, Meeting: p.Meeting,
		Bio: p.Bio, Listed: p.Listed,
	}
	if o := listedWithKey(listed, OrganisationKey(p.Organisation)); o != nil {
		f.Organisation, f.OrganisationOther = o.Name, ""
	}
	f.Interests, f.InterestsOther = splitKnown(p.Interests, ClinicalTopics, WorkTopics, PersonalTopics)
	f.Offers, f.OffersOther = splitKnown(p.Offers, ClinicalTopics, WorkTopics)
	f.Asks, f.AsksOther = splitKnown(p.Asks, ClinicalTopics, WorkTopics)
	return f
}

func splitKnown(tags []string, groups ...[]string) (known []string, other string) {
	var rest []string
	for _, t := range tags {
		if inGroups(t, groups...) {
			known = append(known, t)
		} else {
			rest = append(rest, t)
		}
	}
	return known, strings.Join(rest, ", ")
}

func inGroups(t string, groups ...[]string) bool {
	for _, g := range groups {
		for _, x := range g {
			if x == t {
				return true
			}
		}
	}
	return false
}

// Profile turns the form into a profile as the profile form accepts it,
// or returns an EINVALID *Error whose Fields say what to fix in each
// field. listed is the network's list of organisations. Test builders use
// it so that their members are ones a real member could have saved.
func (f ProfileForm) Profile(listed []Organisation) (Profile, error) {
	return f.validate(listed)
}

// validate turns a form into a profile, or returns an EINVALID *Error whose
// Fields say what to fix in each field. listed is the network's list of
// organisations.
func (f ProfileForm) validate(listed []Organisation) (Profile, error) {
	f = f.cleaned()
	errs := map[string]string{}
	p := Profile{
		Sector: f.Sector, Role: f.Role, CareerStage: f.CareerStage,
		Frequency: f.Frequency, Mentoring: f.Mentoring, Meeting: f.Meeting,
		Listed: f.Listed,
	}

	switch {
	case f.Organisation == "" || f.Organisation == OtherOrganisation:
		name := oneLine(f.OrganisationOther)
		if name == "" {
			if f.Organisation == "" {
				errs[FieldOrganisation] = "Please choose your practice or organisation."
			} else {
				errs[FieldOrgOther] = "Please type the name of your organisation."
			}
		} else if msg := checkText(name, MaxOrganisationLen); msg != "" {
			errs[FieldOrgOther] = msg
		} else if OrganisationKey(name) == "" {
			errs[FieldOrgOther] = "Please type the organisation's name in letters or numbers."
		} else if o := listedWithKey(listed, OrganisationKey(name)); o != nil {
			// A typed name that is a listed practice's, however it is
			// spelt, is that practice, so the matcher never pairs two of
			// its members.
			p.Organisation = o.Name
		} else if o := nearestListed(listed, name); o != nil && !f.OrganisationIsNew {
			errs[FieldOrgOther] = fmt.Sprintf("Did you mean %s? If so, please choose it from the list above. If yours is a different organisation, tick \"It's a different organisation\" below and press Save again.", o.Name)
		} else {
			p.Organisation = name
		}
	default:
		if o := listedWithKey(listed, OrganisationKey(f.Organisation)); o != nil {
			p.Organisation = o.Name
		}
		if p.Organisation == "" {
			errs[FieldOrganisation] = "That organisation is no longer on the network's list. Please choose another, or pick \"Another organisation\" and type its name."
		}
	}

	required := []struct {
		field, value, ask string
		choices           []Choice
	}{
		{FieldSector, f.Sector, "Please choose the sector you work in.", Sectors},
		{FieldRole, f.Role, "Please choose your role (\"Other\" is fine).", Roles},
		{FieldCareerStage, f.CareerStage, "Please choose your career stage.", CareerStages},
		{FieldFrequency, f.Frequency, "Please choose how often you would like an introduction.", Frequencies},
		{FieldMentoring, f.Mentoring, "Please say whether you would mentor or like a mentor (\"Neither for now\" is fine).", MentoringChoices},
		{FieldMeeting, f.Meeting, "Please choose how you prefer to meet.", MeetingChoices},
	}
	for _, r := range required {
		if !validChoice(r.choices, r.value) {
			errs[r.field] = r.ask
		}
	}

	var msg string
	if p.Interests, msg = topics(f.Interests, f.InterestsOther, MaxInterests); msg != "" {
		errs[FieldInterests] = msg
	}
	if p.Offers, msg = topics(f.Offers, f.OffersOther, MaxOffers); msg != "" {
		errs[FieldOffers] = msg
	}
	if p.Asks, msg = topics(f.Asks, f.AsksOther, MaxAsks); msg != "" {
		errs[FieldAsks] = msg
	}

	if errs[FieldOffers] == "" && errs[FieldAsks] == "" {
		for _, a := range p.Asks {
			for _, o := range p.Offers {
				if strings.EqualFold(a, o) {
					errs[FieldAsks] = fmt.Sprintf("%q is in both lists. Please keep it in one: what you can help with, or what you'd like to learn.", Truncate(a, 30))
				}
			}
		}
	}

	p.Bio = strings.TrimSpace(f.Bio)
	if strings.ContainsAny(p.Bio, "\r\n") {
		errs[FieldBio] = "Please keep your bio to one line, without line breaks."
	} else if msg := checkText(p.Bio, MaxBioLen); msg != "" {
		errs[FieldBio] = msg
	}

	if len(errs) > 0 {
		return Profile{}, &Error{Code: EINVALID, Message: "Some answers need a second look.", Fields: errs}
	}
	return p, nil
}

// topics merges chosen options with comma-separated free text, spelling
// known topics as the vocabulary does and dropping duplicates.
func topics(chosen []string, other string, max int) ([]string, string) {
	var out []string
	seen := map[string]bool{}
	add := func(t string) string {
		t = canonicalTopic(t)
		if t == "" {
			return ""
		}
		if msg := checkText(t, MaxTopicLen); msg != "" {
			return fmt.Sprintf("%q: %s", Truncate(t, 20), msg)
		}
		if k := strings.ToLower(t); !seen[k] {
			seen[k] = true
			out = append(out, t)
		}
		return ""
	}
	for _, t := range chosen {
		if msg := add(t); msg != "" {
			return nil, msg
		}
	}
	for _, t := range strings.FieldsFunc(other, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if msg := add(t); msg != "" {
			return nil, msg
		}
	}
	if len(out) > max {
		return nil, fmt.Sprintf("Please choose at most %d (you have %d), so the matcher can tell what matters most to you.", max, len(out))
	}
	return out, ""
}

// checkText returns a message when s is too long or holds control
// characters, or "" when it is fine.
func checkText(s string, max int) string {
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("Please shorten this to %d characters or fewer (it has %d).", max, n)
	}
	if !utf8.ValidString(s) {
		return "Please retype this: it holds characters we cannot read."
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "Please remove special or invisible characters (such as tabs) from this."
		}
	}
	return ""
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cleaned is the form with invisible characters taken out of every typed
// field (see CleanText), before anything is checked.
func (f ProfileForm) cleaned() ProfileForm {
	for _, s := range []*string{&f.Organisation, &f.OrganisationOther, &f.InterestsOther, &f.OffersOther, &f.AsksOther, &f.Bio} {
		*s = CleanText(*s)
	}
	for _, list := range []*[]string{&f.Interests, &f.Offers, &f.Asks} {
		*list = slices.Clone(*list)
		for i, t := range *list {
			(*list)[i] = CleanText(t)
		}
	}
	return f
}
