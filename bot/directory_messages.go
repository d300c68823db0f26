package bot

import (
	"fmt"
	"strings"
	"time"
)

// The words of the directory and of intro requests: search results, the
// request the person asked reads, and what the asker hears back.

// maxTopicValue is the most characters of a topic a button carries.
const maxTopicValue = 100

// listedText says on the profile whether the member is in the directory.
func listedText(listed bool) Text {
	if listed {
		return P("listed: members can find you by what you can help with")
	}
	return P("not listed (tick “List me in the directory” in your profile to be found)")
}

// howToBeListed tells a member who is not listed how to be.
func howToBeListed() Text {
	return P("You are not listed yourself. To let members find you by what you can help with, run ", Cmd(),
		" and tick “", ListedLabel, "”.")
}

// roleLabel is a role for the middle of a sentence: "practice nurse",
// "GP partner".
func roleLabel(code string) string {
	l := Label(Roles, code)
	if l == "" {
		return ""
	}
	return lowerTopic(l)
}

// whoIs is a member as a request names them: "Priya Shah (Riverside
// Surgery, practice nurse)".
func whoIs(m Member) Text {
	var about []string
	if o := strings.TrimSpace(m.Profile.Organisation); o != "" {
		about = append(about, o)
	}
	if r := roleLabel(m.Profile.Role); r != "" {
		about = append(about, r)
	}
	if len(about) == 0 {
		return P(Strong(m.Name))
	}
	return P(Strong(m.Name), " ("+strings.Join(about, ", ")+")")
}

// hitOffers are what a result offers, the offers that match first.
func hitOffers(h DirectoryHit) []string {
	out := append([]string(nil), h.Offers...)
	for _, o := range h.Member.Profile.Offers {
		if !containsFold(out, o) {
			out = append(out, o)
		}
	}
	return out
}

func containsFold(xs []string, x string) bool {
	for _, y := range xs {
		if FoldText(y) == FoldText(x) {
			return true
		}
	}
	return false
}

// askValue is the value of a result's "Ask for an intro" button: the
// member's ID and the topic searched for.
func askValue(id int64, topic string) string {
	return fmt.Sprintf("%d:%s", id, Truncate(topic, maxTopicValue))
}

// moreValue is the value of "More results": the offset of the next page
// and the topic.
func moreValue(offset int, topic string) string {
	return fmt.Sprintf("%d:%s", offset, Truncate(topic, maxTopicValue))
}

// directoryResultsMessage is a page of a search for topic, starting at
// offset; listed says whether the asker is listed themselves.
func directoryResultsMessage(topic string, page *DirectoryPage, offset int, listed bool) *Message {
	if page.Total == 0 || len(page.Hits) == 0 {
		return noResultsMessage(topic, listed, offset > 0)
	}
	first, last := offset+1, offset+len(page.Hits)
	head := P("Members who can help with ", Strong(topic), ": ", Count(page.Total, "person", "people"), " found.")
	if page.Total > len(page.Hits) {
		head = P(head, fmt.Sprintf(" Showing %d to %d.", first, last))
	}
	m := &Message{Summary: head, Sections: []Section{{Text: head}}}
	for _, h := range page.Hits {
		sec := Section{Rule: true, Text: whoIs(h.Member)}
		if offers := hitOffers(h); len(offers) > 0 {
			sec.Fields = []Field{{Label: "Can help with", Value: P(strings.Join(offers, ", "))}}
		}
		if bio := strings.TrimSpace(h.Member.Profile.Bio); bio != "" {
			sec.Note = P(Italic(bio))
		}
		sec.Buttons = []Button{{Action: ActionDirectoryAsk, Value: askValue(h.Member.ID, topic), Label: "Ask for an intro", Style: StylePrimary}}
		m.Add(sec)
	}
	var end Section
	if last < page.Total {
		end.Buttons = []Button{{Action: ActionDirectoryMore, Value: moreValue(last, topic), Label: "More results"}}
	}
	end.Note = P("Asking sends them a short note; they choose whether to be introduced.")
	if !listed {
		end.Note = P(end.Note, " ", howToBeListed())
	}
	return m.Add(end)
}

// noResultsMessage says nobody listed offers the topic.
func noResultsMessage(topic string, listed, pastTheEnd bool) *Message {
	if pastTheEnd {
		return Say("That's everyone listed who can help with ", Strong(topic), ".")
	}
	m := Say("I couldn't find anyone listed who can help with ", Strong(topic), " just yet. Try other words, or fewer of them: the start of a word finds the rest (",
		Cmd("find diab"), " finds diabetes). Your next round may bring someone, too.")
	if !listed {
		m.Add(Section{Note: howToBeListed()})
	} else {
		m.Add(Section{Note: P("You are listed, so members who search for what you can help with can find you.")})
	}
	return m
}

// findAskMessage asks what to search for.
func findAskMessage() *Message {
	return Say("What would you like help with? Type it after ", Cmd("find"), ", e.g. ", Cmd("find diabetes"), ", or press the button.").
		Add(Section{Buttons: []Button{{Action: ActionDirectoryFind, Label: "Search the directory", Style: StylePrimary}}})
}

// directoryFindForm asks what to search for.
func directoryFindForm() *Form {
	return &Form{ID: DirectoryFindForm, Title: "Find someone", Submit: "Search", Cancel: "Cancel",
		Intro: P("Find members who are listed in the directory by what they can help with."),
		Inputs: []Input{{ID: FieldFindTopic, Label: "What would you like help with?", MaxLen: maxTopicValue,
			Placeholder: "e.g. diabetes, social prescribing", Hint: "The start of a word finds the rest: “diab” finds diabetes."}}}
}

// topicProblem says what is wrong with a topic to search for, or "".
func topicProblem(topic string) string {
	words := FoldWords(topic)
	switch {
	case len(words) == 0:
		return "Please type what you would like help with, in letters or numbers: for example, diabetes."
	case len(words) > MaxSearchWords:
		return fmt.Sprintf("Please search for at most %d words (you typed %d): fewer words find more people.", MaxSearchWords, len(words))
	case len([]rune(topic)) > maxTopicValue:
		return fmt.Sprintf("Please keep the topic under %d characters.", maxTopicValue)
	}
	return ""
}

// askedMessage tells the asker their request is on its way.
func askedMessage(r *IntroRequest) *Message {
	return Say("I've asked ", Strong(r.Asked.Name), " whether they would like to talk about ", Strong(r.Topic),
		". I'll tell you when they answer; if they haven't within ", fmt.Sprint(int(RequestLapsesAfter/(24*time.Hour))), " days, I'll let you know.")
}

// askLimitMessage refuses a request over the weekly limit.
func askLimitMessage(limit int, until time.Time, loc *time.Location) *Message {
	again := "in a few days"
	if !until.IsZero() {
		again = "on " + day(until, loc)
	}
	return Say(fmt.Sprintf("You've asked for %s in the last %d days, which is as many as a member may. You can ask again %s.",
		Count(limit, "introduction", "introductions"), int(AskWindow/(24*time.Hour)), again))
}

// askAgainMessage refuses a second request to the same person.
func askAgainMessage(until time.Time, loc *time.Location) *Message {
	again := fmt.Sprintf("%d days after you last asked", int(AskAgainAfter/(24*time.Hour)))
	if !until.IsZero() {
		again = "on " + day(until, loc)
	}
	return Say("You asked this person for an introduction lately, so I won't ask them again just yet. You can ask them again ", again, ".")
}

// introRequestNotice asks the person asked whether they will be
// introduced.
func introRequestNotice(r *IntroRequest) *Message {
	ask := P(whoIs(r.Asker), " would like to talk about ", Strong(r.Topic), ".")
	m := &Message{Summary: P(r.Asker.Name, " would like to talk about ", r.Topic), Sections: []Section{
		{Text: ask},
		{Text: P("They found you in the directory. Accept, and I'll introduce you to each other with a question to start on. If now isn't a good time, that's fine: press Not now and I'll let them know kindly."),
			Buttons: []Button{
				{Action: ActionRequestAccept, Value: fmt.Sprint(r.ID), Label: "Accept", Style: StylePrimary},
				{Action: ActionRequestNotNow, Value: fmt.Sprint(r.ID), Label: "Not now"},
			}},
	}}
	return m
}

// acceptedMessage takes the place of a request the person accepted.
func acceptedMessage(r *IntroRequest) *Message {
	return Say("Done: I've introduced you to ", Strong(r.Asker.Name), " to talk about ", Strong(r.Topic), ". Look for the introduction: it comes with a question to start on.")
}

// notNowDoneMessage takes the place of a request the person put off.
func notNowDoneMessage(r *IntroRequest) *Message {
	return Say("No problem. I've let ", Strong(r.Asker.Name), " know you can't take this on just now; there's nothing more you need to do.")
}

// answeredAlreadyMessage answers a second press on a request.
func answeredAlreadyMessage(r *IntroRequest) *Message {
	switch r.Status {
	case RequestAccepted:
		return Say("You accepted this request already, so ", Strong(r.Asker.Name), " and you have been introduced.")
	case RequestNotNow:
		return Say("You answered this request already: ", Strong(r.Asker.Name), " knows you can't take it on just now.")
	case RequestLapsed:
		return Say("This request waited too long for an answer, so it has lapsed. If you would still like to talk with ", Strong(r.Asker.Name), ", you can find them with ", Cmd("find"), ".")
	}
	return Say("This request has been answered already.")
}

// requestNotNowNotice tells the asker the person asked can't now.
func requestNotNowNotice(r *IntroRequest) *Message {
	return Say(Strong(r.Asked.Name), " can't take on a conversation about ", Strong(r.Topic), " just now. That's nothing personal: people are busy. You could try someone else with ",
		Cmd("find", Truncate(r.Topic, maxTopicValue)), ", and your next round may bring someone too.")
}

// requestLapsedNotice tells the asker nobody answered in time.
func requestLapsedNotice(r *IntroRequest) *Message {
	return Say(Strong(r.Asked.Name), " hasn't answered your request to talk about ", Strong(r.Topic),
		fmt.Sprintf(" in %d days, so I've let it go.", int(RequestLapsesAfter/(24*time.Hour))),
		" You could try someone else with ", Cmd("find", Truncate(r.Topic, maxTopicValue)), ", and your next round may bring someone too.")
}

// LearningGapText words a learning gap, for admin stats and the admin
// pages: "12 members want to learn about QOF; nobody offers it".
func LearningGapText(g LearningGap) Text {
	return P(Strong(fmt.Sprint(g.Wanting)), Plural(g.Wanting, " member wants", " members want"), " to learn about ", Strong(lowerTopic(g.Topic)), "; nobody offers it")
}

// directoryExamples are the directory's messages for the catalogue.
func directoryExamples(now time.Time, loc *time.Location, priya, tom *Member) []Example {
	hitTom := DirectoryHit{Member: *tom, Offers: []string{"Diabetes"}, Score: ScoreExact}
	ben := Member{ID: 4, Name: "Ben Okafor", Profile: Profile{Organisation: "Hillside Physio", Role: tom.Profile.Role, Offers: []string{"Diabetic foot care", "Falls"}}}
	page := &DirectoryPage{Hits: []DirectoryHit{hitTom, {Member: ben, Offers: []string{"Diabetic foot care"}, Score: ScorePrefix}}, Total: 7}
	req := &IntroRequest{ID: 31, Asker: *priya, Asked: *tom, Topic: "diabetes", Status: RequestPending, CreatedAt: now}
	return []Example{
		{Name: "directory_results", Message: directoryResultsMessage("diabetes", page, 0, true)},
		{Name: "directory_results_unlisted", Message: directoryResultsMessage("diab", &DirectoryPage{Hits: page.Hits, Total: 2}, 0, false)},
		{Name: "directory_no_results", Message: noResultsMessage("QOF", false, false)},
		{Name: "directory_find_ask", Message: findAskMessage()},
		{Name: "directory_find_form", Form: directoryFindForm()},
		{Name: "request_sent", Message: askedMessage(req)},
		{Name: "request_limit", Message: askLimitMessage(DefaultAskLimit, now.Add(72*time.Hour), loc)},
		{Name: "request_notice", Message: introRequestNotice(req)},
		{Name: "request_accepted", Message: acceptedMessage(req)},
		{Name: "request_not_now_done", Message: notNowDoneMessage(req)},
		{Name: "request_not_now_notice", Message: requestNotNowNotice(req)},
		{Name: "request_lapsed_notice", Message: requestLapsedNotice(req)},
	}
}
