package slack

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// Callback IDs and block IDs of the profile modal. Block IDs are the
// profile's field names, so validation errors map straight onto them.
const (
	profileCallbackID = "profile"
	valueActionID     = "value"
	// maxSelectOptions is Slack's limit on options in a select, or on
	// option groups in one.
	maxSelectOptions = 100
)

// loadingView is what /introduce-me opens at once, before the database is
// read, because a trigger_id lives only three seconds.
func loadingView(channelID string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      profileCallbackID,
		Title:           plain("Your Rapport profile"),
		Close:           plain("Cancel"),
		PrivateMetadata: channelID,
		Blocks:          slack.Blocks{BlockSet: modalBlocks().section("Loading your profile…").done()},
	}
}

// unavailableView replaces the loading view when the profile cannot be
// read.
func unavailableView(channelID string) slack.ModalViewRequest {
	v := loadingView(channelID)
	v.Blocks = slack.Blocks{BlockSet: modalBlocks().
		section(mdf("Sorry, we couldn't load your profile just now. Please close this and run `%s` again in a minute.", bot.CommandName)).
		done()}
	return v
}

// profileView is the profile form, pre-filled from the draft.
func profileView(d *bot.ProfileDraft, channelID string) slack.ModalViewRequest {
	f := d.Form
	// The pace is the member's own (the default for a newcomer), so the
	// form does not promise a weekly introduction to someone who chose, or
	// will get, one a fortnight.
	intro := mdf("Tell the network a little about yourself. %s, Rapport introduces you to someone from another practice or sector, and explains why. You choose how often below.",
		bot.Label(bot.Frequencies, f.Frequency))
	if d.Joined {
		intro = "Update your profile. Your next introductions will use what you save here."
	}

	orgOptions := make([]*slack.OptionBlockObject, 0, len(d.Organisations)+1)
	for _, o := range d.Organisations {
		orgOptions = append(orgOptions, option(o.Name, o.Name))
	}
	other := option(bot.OtherOrganisation, "Another organisation (type its name below)")

	blocks := modalBlocks().section(intro).add(
		selectInput(bot.FieldOrganisation, "Practice or organisation", orgOptions, other, f.Organisation,
			"Not listed? Choose \"Another organisation\" and type its name below."),
		textInput(bot.FieldOrgOther, "Organisation name, if not listed", f.OrganisationOther, bot.MaxOrganisationLen, true, "e.g. Northfield Community Pharmacy"),
		differentOrganisationInput(f.OrganisationIsNew),
		selectInput(bot.FieldSector, "Sector", choiceOptions(bot.Sectors), nil, f.Sector, ""),
		selectInput(bot.FieldRole, "Role", choiceOptions(bot.Roles), nil, f.Role, ""),
		selectInput(bot.FieldCareerStage, "Career stage", choiceOptions(bot.CareerStages), nil, f.CareerStage, ""),
		topicInput(bot.FieldInterests, "Interests, clinical and personal", f.Interests, bot.MaxInterests, true,
			"Shared interests make the first conversation easy."),
		textInput(bot.FieldInterests+"_other", "Other interests", f.InterestsOther, otherTopicsLen(bot.MaxInterests), true, "Separate with commas, e.g. sea swimming, choirs"),
		topicInput(bot.FieldOffers, "I can help with", f.Offers, bot.MaxOffers, false,
			"The best introductions connect what one person can offer with what another wants to learn."),
		textInput(bot.FieldOffers+"_other", "Other things I can help with", f.OffersOther, otherTopicsLen(bot.MaxOffers), true, "Separate with commas"),
		topicInput(bot.FieldAsks, "I'd like to learn about", f.Asks, bot.MaxAsks, false, ""),
		textInput(bot.FieldAsks+"_other", "Other things I'd like to learn about", f.AsksOther, otherTopicsLen(bot.MaxAsks), true, "Separate with commas"),
		radioInput(bot.FieldFrequency, "How often would you like an introduction?", bot.Frequencies, f.Frequency),
		radioInput(bot.FieldMentoring, "Mentoring", bot.MentoringChoices, f.Mentoring),
		radioInput(bot.FieldMeeting, "How do you prefer to meet?", bot.MeetingChoices, f.Meeting),
		textInput(bot.FieldBio, "One line about you", f.Bio, bot.MaxBioLen, true, "e.g. Practice nurse, diabetes lead, cyclist"),
	).done()
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      profileCallbackID,
		Title:           plain("Your Rapport profile"),
		Submit:          plain("Save"),
		Close:           plain("Cancel"),
		PrivateMetadata: channelID,
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// formFromState reads the submitted modal's values into a profile form.
func formFromState(state *slack.ViewState) bot.ProfileForm {
	get := func(block string) slack.BlockAction {
		if state == nil {
			return slack.BlockAction{}
		}
		return state.Values[block][valueActionID]
	}
	selected := func(block string) string {
		a := get(block)
		if a.SelectedOption.Value != "" {
			return a.SelectedOption.Value
		}
		return a.Value
	}
	multi := func(block string) []string {
		var out []string
		for _, o := range get(block).SelectedOptions {
			out = append(out, o.Value)
		}
		return out
	}
	return bot.ProfileForm{
		Organisation:      selected(bot.FieldOrganisation),
		OrganisationOther: get(bot.FieldOrgOther).Value,
		OrganisationIsNew: len(get(bot.FieldOrgIsNew).SelectedOptions) > 0,
		Sector:            selected(bot.FieldSector),
		Role:              selected(bot.FieldRole),
		CareerStage:       selected(bot.FieldCareerStage),
		Interests:         multi(bot.FieldInterests),
		InterestsOther:    get(bot.FieldInterests + "_other").Value,
		Offers:            multi(bot.FieldOffers),
		OffersOther:       get(bot.FieldOffers + "_other").Value,
		Asks:              multi(bot.FieldAsks),
		AsksOther:         get(bot.FieldAsks + "_other").Value,
		Frequency:         selected(bot.FieldFrequency),
		Mentoring:         selected(bot.FieldMentoring),
		Meeting:           selected(bot.FieldMeeting),
		Bio:               get(bot.FieldBio).Value,
	}
}

// fieldErrorBlocks maps validation messages onto the modal's block IDs.
// Errors about typed topics belong to the free-text block beside the
// select, where the person can fix them.
func fieldErrorBlocks(fields map[string]string, f bot.ProfileForm) map[string]string {
	out := make(map[string]string, len(fields))
	for field, msg := range fields {
		block := field
		switch field {
		case bot.FieldInterests:
			if f.InterestsOther != "" {
				block += "_other"
			}
		case bot.FieldOffers:
			if f.OffersOther != "" {
				block += "_other"
			}
		case bot.FieldAsks:
			if f.AsksOther != "" {
				block += "_other"
			}
		}
		out[block] = msg
	}
	return out
}

// otherTopicsLen is the most a free-text topics box can need: every topic
// the profile allows, each as long as allowed, joined with ", ". A smaller
// limit would leave a saved profile's own topics too long for its form.
func otherTopicsLen(maxItems int) int {
	return maxItems*bot.MaxTopicLen + 2*(maxItems-1)
}

// maxOptionValue is Slack's limit on an option's value.
const maxOptionValue = 150

func option(value, label string) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(truncateRunes(value, maxOptionValue), plainN(label, maxOptionText), nil)
}

func choiceOptions(cs []bot.Choice) []*slack.OptionBlockObject {
	out := make([]*slack.OptionBlockObject, len(cs))
	for i, c := range cs {
		out[i] = option(c.Code, c.Label)
	}
	return out
}

func selectInput(block, label string, options []*slack.OptionBlockObject, extra *slack.OptionBlockObject, initial, hint string) *slack.InputBlock {
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose…"), valueActionID)
	all := options
	if extra != nil {
		all = append(append([]*slack.OptionBlockObject{}, options...), extra)
	}
	if len(all) <= maxSelectOptions {
		el.Options = all
	} else {
		el.OptionGroups = groupOptions(options, extra)
	}
	for _, o := range all {
		if o.Value == initial && initial != "" {
			el.InitialOption = o
		}
	}
	in := slack.NewInputBlock(block, plain(label), nil, el)
	if hint != "" {
		in.Hint = plain(hint)
	}
	return in
}

// groupOptions splits a long organisation list into alphabetical groups,
// as Slack allows at most 100 options in a group.
func groupOptions(options []*slack.OptionBlockObject, extra *slack.OptionBlockObject) []*slack.OptionGroupBlockObject {
	sorted := append([]*slack.OptionBlockObject{}, options...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return strings.ToLower(sorted[i].Text.Text) < strings.ToLower(sorted[j].Text.Text)
	})
	var groups []*slack.OptionGroupBlockObject
	if extra != nil {
		groups = append(groups, slack.NewOptionGroupBlockElement(plain("Not listed"), extra))
	}
	for i := 0; i < len(sorted) && len(groups) < maxSelectOptions; i += maxSelectOptions {
		chunk := sorted[i:min(i+maxSelectOptions, len(sorted))]
		label := fmt.Sprintf("%s to %s", firstRune(chunk[0].Text.Text), firstRune(chunk[len(chunk)-1].Text.Text))
		groups = append(groups, slack.NewOptionGroupBlockElement(plain(label), chunk...))
	}
	return groups
}

func firstRune(s string) string {
	for _, r := range s {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// maxInputLen is Slack's largest max_length for a plain-text input.
const maxInputLen = 3000

// textInput is a plain-text input whose initial value always fits its
// max_length, which Slack requires: a stored value longer than today's
// limit (saved under an older one, say) widens the limit rather than
// being cut, so saving the form again loses nothing.
func textInput(block, label, initial string, maxLen int, optional bool, placeholder string) *slack.InputBlock {
	el := slack.NewPlainTextInputBlockElement(plainN(placeholder, 150), valueActionID)
	initial = truncateRunes(initial, maxInputLen)
	el.InitialValue = initial
	el.MaxLength = min(max(maxLen, utf8.RuneCountInString(initial)), maxInputLen)
	in := slack.NewInputBlock(block, plain(label), nil, el)
	in.Optional = optional
	return in
}

// differentOrganisationInput is the box a member ticks when the form asks
// "Did you mean …?" about a listed organisation and theirs really is
// another one.
func differentOrganisationInput(ticked bool) *slack.InputBlock {
	box := option("different", "It's a different organisation")
	el := slack.NewCheckboxGroupsBlockElement(valueActionID, box)
	if ticked {
		el.InitialOptions = []*slack.OptionBlockObject{box}
	}
	in := slack.NewInputBlock(bot.FieldOrgIsNew, plain("Not the one we suggest?"), plain("Tick this only if we ask \"Did you mean…?\" and yours is not that organisation."), el)
	in.Optional = true
	return in
}

func topicInput(block, label string, initial []string, maxItems int, personal bool, hint string) *slack.InputBlock {
	groups := []*slack.OptionGroupBlockObject{
		slack.NewOptionGroupBlockElement(plain("Clinical"), topicOptions(bot.ClinicalTopics)...),
		slack.NewOptionGroupBlockElement(plain("Work and leadership"), topicOptions(bot.WorkTopics)...),
	}
	if personal {
		groups = append(groups, slack.NewOptionGroupBlockElement(plain("Personal"), topicOptions(bot.PersonalTopics)...))
	}
	el := slack.NewOptionsGroupMultiSelectBlockElement(slack.MultiOptTypeStatic, plain("Choose any…"), valueActionID, groups...)
	el.MaxSelectedItems = &maxItems
	for _, g := range groups {
		for _, o := range g.Options {
			for _, t := range initial {
				if o.Value == t {
					el.InitialOptions = append(el.InitialOptions, o)
				}
			}
		}
	}
	in := slack.NewInputBlock(block, plain(label), nil, el)
	in.Optional = true
	if hint != "" {
		in.Hint = plain(hint)
	}
	return in
}

func topicOptions(topics []string) []*slack.OptionBlockObject {
	out := make([]*slack.OptionBlockObject, len(topics))
	for i, t := range topics {
		out[i] = option(t, t)
	}
	return out
}

func radioInput(block, label string, cs []bot.Choice, initial string) *slack.InputBlock {
	opts := choiceOptions(cs)
	el := slack.NewRadioButtonsBlockElement(valueActionID, opts...)
	for _, o := range opts {
		if o.Value == initial {
			el.InitialOption = o
		}
	}
	return slack.NewInputBlock(block, plain(label), nil, el)
}
