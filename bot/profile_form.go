package bot

// The profile form: what it asks, and how its answers are read back. The
// free-text topic inputs sit beside each topic choice, with the choice's ID
// and this suffix.
const otherSuffix = "_other"

// orgDifferent is the value of the tick box that says a typed
// organisation is not the listed one the form suggests.
const orgDifferent = "different"

// listedYes is the value of the tick box that lists the member in the
// directory.
const listedYes = "yes"

// ProfileFormFor returns the profile form, pre-filled from the draft.
func ProfileFormFor(d *ProfileDraft) *Form {
	f := d.Form
	// The pace is the member's own (the default for a newcomer), so the
	// form does not promise a weekly introduction to someone who chose, or
	// will get, one a fortnight.
	intro := P("Tell the network a little about yourself. ", Label(Frequencies, f.Frequency),
		", Rapport introduces you to someone from another practice or sector, and explains why. You choose how often below.")
	if d.Joined {
		intro = P("Update your profile. Your next introductions will use what you save here.")
	}
	orgs := make([]Option, 0, len(d.Organisations)+1)
	for _, o := range d.Organisations {
		orgs = append(orgs, Option{Value: o.Name, Label: o.Name})
	}
	orgs = append(orgs, Option{Value: OtherOrganisation, Label: "Another organisation (type its name below)", Group: "Not listed"})
	var different []string
	if f.OrganisationIsNew {
		different = []string{orgDifferent}
	}
	var listed []string
	if f.Listed {
		listed = []string{listedYes}
	}
	return &Form{
		ID: ProfileFormID, Title: "Your Rapport profile", Submit: "Save", Cancel: "Cancel",
		Intro: intro,
		Inputs: []Input{
			{ID: FieldOrganisation, Label: "Practice or organisation", Kind: InputChoice, Options: orgs, Value: f.Organisation,
				Placeholder: "Choose…", Hint: "Not listed? Choose \"Another organisation\" and type its name below."},
			{ID: FieldOrgOther, Label: "Organisation name, if not listed", Value: f.OrganisationOther, MaxLen: MaxOrganisationLen,
				Optional: true, Placeholder: "e.g. Northfield Community Pharmacy"},
			{ID: FieldOrgIsNew, Label: "Not the one we suggest?", Kind: InputMultiChoice, Expanded: true, Optional: true,
				Options: []Option{{Value: orgDifferent, Label: "It's a different organisation"}}, Values: different,
				Hint: "Tick this only if we ask \"Did you mean…?\" and yours is not that organisation."},
			sectorInput(f.Sector),
			{ID: FieldRole, Label: "Role", Kind: InputChoice, Options: GroupedOptions(RoleGroups), Value: f.Role, Placeholder: "Choose…"},
			choiceInput(FieldCareerStage, "Career stage", CareerStages, f.CareerStage),
			topicInput(FieldInterests, "Interests, clinical and personal", f.Interests, MaxInterests, true,
				"Shared interests make the first conversation easy."),
			otherTopicsInput(FieldInterests, "Other interests", f.InterestsOther, MaxInterests, "Separate with commas, e.g. sea swimming, choirs"),
			topicInput(FieldOffers, "I can help with", f.Offers, MaxOffers, false,
				"The best introductions connect what one person can offer with what another wants to learn."),
			otherTopicsInput(FieldOffers, "Other things I can help with", f.OffersOther, MaxOffers, "Separate with commas"),
			topicInput(FieldAsks, "I'd like to learn about", f.Asks, MaxAsks, false, ""),
			otherTopicsInput(FieldAsks, "Other things I'd like to learn about", f.AsksOther, MaxAsks, "Separate with commas"),
			radioInput(FieldFrequency, "How often would you like an introduction?", Frequencies, f.Frequency),
			radioInput(FieldMentoring, "Mentoring", MentoringChoices, f.Mentoring),
			radioInput(FieldMeeting, "How do you prefer to meet?", MeetingChoices, f.Meeting),
			{ID: FieldBio, Label: "One line about you", Value: f.Bio, MaxLen: MaxBioLen, Optional: true,
				Placeholder: "e.g. Practice nurse, diabetes lead, cyclist"},
			{ID: FieldListed, Label: "The directory", Kind: InputMultiChoice, Expanded: true, Optional: true,
				Options: []Option{{Value: listedYes, Label: ListedLabel}}, Values: listed,
				Hint: "Members who search for something you can help with see your name, organisation, role and what you offer, and can ask for an introduction."},
		},
	}
}

// ChoiceOptions turns a vocabulary into a choice's options.
func ChoiceOptions(cs []Choice) []Option {
	out := make([]Option, len(cs))
	for i, c := range cs {
		out[i] = Option{Value: c.Code, Label: c.Label}
	}
	return out
}

// GroupedOptions turns grouped choices into a choice's options, each
// under its group's name, so a long list such as the roles reads as a few
// short ones.
func GroupedOptions(groups []ChoiceGroup) []Option {
	var out []Option
	for _, g := range groups {
		for _, c := range g.Choices {
			out = append(out, Option{Value: c.Code, Label: c.Label, Group: g.Name})
		}
	}
	return out
}

// sectorInput asks for the member's sector. A listed organisation whose
// sector the admin has set decides it (see Service.SaveProfile): the form
// cannot change one answer from another as the member fills it in, so
// the hint says so beforehand and the welcome shows the sector saved.
func sectorInput(value string) Input {
	in := choiceInput(FieldSector, "Sector", Sectors, value)
	in.Hint = "If your organisation is on the list and the network has given it a sector, that sector is used."
	return in
}

func choiceInput(id, label string, cs []Choice, value string) Input {
	return Input{ID: id, Label: label, Kind: InputChoice, Options: ChoiceOptions(cs), Value: value, Placeholder: "Choose…"}
}

func radioInput(id, label string, cs []Choice, value string) Input {
	in := choiceInput(id, label, cs, value)
	in.Expanded, in.Placeholder = true, ""
	return in
}

func topicInput(id, label string, chosen []string, maxItems int, personal bool, hint string) Input {
	var opts []Option
	add := func(group string, topics []string) {
		for _, t := range topics {
			opts = append(opts, Option{Value: t, Label: t, Group: group})
		}
	}
	add("Clinical", ClinicalTopics)
	add("Work and leadership", WorkTopics)
	if personal {
		add("Personal", PersonalTopics)
	}
	return Input{ID: id, Label: label, Kind: InputMultiChoice, Options: opts, Values: chosen, MaxItems: maxItems,
		Optional: true, Hint: hint, Placeholder: "Choose any…"}
}

// otherTopicsInput is the free-text box beside a topic choice. Its limit
// is the most it can need: every topic the profile allows, each as long as
// allowed, joined with ", ". A smaller limit would leave a saved profile's
// own topics too long for its form.
func otherTopicsInput(id, label, value string, maxItems int, placeholder string) Input {
	return Input{ID: id + otherSuffix, Label: label, Value: value, MaxLen: maxItems*MaxTopicLen + 2*(maxItems-1),
		Optional: true, Placeholder: placeholder}
}

// ProfileFormFromValues reads a submitted profile form.
func ProfileFormFromValues(v FormValues) ProfileForm {
	return ProfileForm{
		Organisation:      v.Get(FieldOrganisation),
		OrganisationOther: v.Get(FieldOrgOther),
		OrganisationIsNew: len(v.List(FieldOrgIsNew)) > 0,
		Sector:            v.Get(FieldSector),
		Role:              v.Get(FieldRole),
		CareerStage:       v.Get(FieldCareerStage),
		Interests:         v.List(FieldInterests),
		InterestsOther:    v.Get(FieldInterests + otherSuffix),
		Offers:            v.List(FieldOffers),
		OffersOther:       v.Get(FieldOffers + otherSuffix),
		Asks:              v.List(FieldAsks),
		AsksOther:         v.Get(FieldAsks + otherSuffix),
		Frequency:         v.Get(FieldFrequency),
		Mentoring:         v.Get(FieldMentoring),
		Meeting:           v.Get(FieldMeeting),
		Bio:               v.Get(FieldBio),
		Listed:            len(v.List(FieldListed)) > 0,
	}
}

// ListedLabel is the profile form's tick box that lists a member in the
// directory.
const ListedLabel = "List me in the directory, so members can find me by what I can help with"

// profileInputErrors maps validation messages onto the form's inputs.
// Errors about typed topics belong to the free-text input beside the
// choice, where the person can fix them.
func profileInputErrors(fields map[string]string, f ProfileForm) map[string]string {
	out := make(map[string]string, len(fields))
	typed := map[string]string{FieldInterests: f.InterestsOther, FieldOffers: f.OffersOther, FieldAsks: f.AsksOther}
	for field, msg := range fields {
		id := field
		if typed[field] != "" {
			id += otherSuffix
		}
		out[id] = msg
	}
	return out
}
