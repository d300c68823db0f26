package bot

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// An intro names each person taking part with a mention, says why they
// were introduced and who might start, and offers the three buttons;
// a member who cannot be reached is not in it.
func TestIntroMessageReads(t *testing.T) {
	in := pairIntro(7)
	in.StarterID, in.Explanation, in.Question = 1, "You both care about frailty.", "What made you choose primary care?"
	in.Members[0].Member.Profile = formProfile(ProfileForm{OrganisationOther: "Riverside Surgery", Sector: "gp_practice", Role: "salaried_gp", Meeting: "video", Bio: "Runs on coffee."})
	in.Members[1].Member.Profile = formProfile(ProfileForm{OrganisationOther: "Northfield Pharmacy", Sector: "community_pharmacy", Role: "other", Meeting: "either"})
	in.Members = append(in.Members, IntroMember{Member: Member{ID: 3, UserID: "U3", Name: "Cy Gone", Status: StatusActive,
		Profile: formProfile(ProfileForm{OrganisationOther: "Hillview Surgery"})}, Unreachable: true})
	m := introMessage(in)
	want := "Meet Ann Example and Bob Example\n" +
		"Ann Example (Ann Example)\n" + Label(Roles, "salaried_gp") + ", Riverside Surgery · " + Label(Sectors, "gp_practice") + "\nRuns on coffee.\n" +
		"Bob Example (Bob Example)\nNorthfield Pharmacy · " + Label(Sectors, "community_pharmacy") + "\n" +
		"---\nWhy we introduced you\nYou both care about frailty.\n" +
		"A first question\nWhat made you choose primary care?\n" +
		"Ann Example, would you start? Suggest a time that suits you both, on a video call.\n" +
		"[We've arranged to meet] [Pause my intros] [Not a good match]\n" +
		"Rapport introduces people across the network, at the pace each person chose. Reply here to say hello."
	if got := PlainText(m); got != want {
		t.Errorf("intro reads\n%s\nwant\n%s", got, want)
	}
	mentions := 0
	for _, s := range m.Sections {
		for _, sp := range s.Text {
			if sp.User != "" {
				mentions++
				if sp.User == "U3" {
					t.Error("the unreachable member is mentioned")
				}
			}
		}
	}
	if mentions != 3 {
		t.Errorf("%d mentions, want one for each person and one for the starter", mentions)
	}
	buttons := m.Sections[len(m.Sections)-2].Buttons
	if len(buttons) != 3 || buttons[0].Action != actionIntroArranged || buttons[0].Value != "7" || buttons[0].Style != StylePrimary || buttons[2].Confirm == nil {
		t.Errorf("buttons %+v", buttons)
	}
}

// A follow-up asks whether the member met the others, differently the
// second time, with the intro's ID on its buttons.
func TestFollowUpMessageReads(t *testing.T) {
	in := pairIntro(7)
	for _, second := range []bool{false, true} {
		m := followUpMessage(in, &in.Members[0], second)
		got := PlainText(m)
		want := "Did you meet Bob Example?"
		if second {
			want = "Still hoping to meet Bob Example? Did you manage it?"
		}
		if !strings.HasPrefix(got, want+"\nYour answer helps us") || !strings.HasSuffix(got, "[Yes] [Not yet] [No]") {
			t.Errorf("follow-up (second %v) reads\n%s", second, got)
		}
		for _, b := range m.Sections[0].Buttons {
			if b.Value != "7" || !strings.HasPrefix(b.Action, "followup_") {
				t.Errorf("button %+v", b)
			}
		}
	}
}

// The answers to the follow-up's buttons: a "not yet" that will not be
// asked again says so.
func TestFollowUpAnswers(t *testing.T) {
	for _, c := range []struct {
		answer   string
		askAgain bool
		want     string
	}{
		{AnswerYes, false, "Glad you met"},
		{AnswerNotYet, true, "We'll check in once more"},
		{AnswerNotYet, false, "in your next introduction"},
		{AnswerNo, false, "your next one will be someone new"},
	} {
		if got := PlainText(followUpAnswer(c.answer, c.askAgain)); !strings.Contains(got, c.want) {
			t.Errorf("%s (ask again %v): %q, want it to say %q", c.answer, c.askAgain, got, c.want)
		}
	}
}

// An intro whose members have all left says so.
func TestLeftIntroMessageWhenEveryoneLeft(t *testing.T) {
	in := &Intro{Members: []IntroMember{{Left: true}, {Left: true}}}
	if got := PlainText(leftIntroMessage(in)); !strings.Contains(got, "Everyone in this introduction has since left Rapport.") {
		t.Errorf("reads %q", got)
	}
}

// answerStore is the part of a RoundStore the intro buttons use; any
// other call panics.
type answerStore struct {
	RoundStore
	answers []string
}

func (s *answerStore) FindIntro(_ context.Context, id int64) (*Intro, error) {
	in := pairIntro(id)
	in.CreatedAt = deliveryNow
	return in, nil
}

func (s *answerStore) RecordAnswer(_ context.Context, introID int64, _, userID, answer string, secondAskAt, _ time.Time) (*Intro, bool, error) {
	if introID != 7 {
		return nil, false, Errorf(ENOTFOUND, "no such intro")
	}
	s.answers = append(s.answers, userID+":"+answer)
	return pairIntro(introID), !secondAskAt.IsZero(), nil
}

func (s *answerStore) RecordNotAGoodMatch(_ context.Context, introID int64, _, _ string, _ time.Time) (*Intro, error) {
	return pairIntro(introID), nil
}

// The intro's and the follow-up's buttons are answered in the core: the
// follow-up's answers take the place of the question, the others are
// told to the member alone.
func TestIntroButtonsAnswered(t *testing.T) {
	st := &answerStore{}
	c := &Chat{Rounds: &Rounds{Store: st, Now: func() time.Time { return deliveryNow }}}
	ann := User{Platform: "slack", ID: "U1"}
	for _, tc := range []struct {
		action, value string
		replace       bool
		want          string
	}{
		{actionIntroArranged, "7", false, "Wonderful, enjoy meeting!"},
		{actionIntroBlock, "7", false, "We won't introduce you to Bob Example again. Nobody else is told."},
		{actionFollowYes, "7", true, "Glad you met"},
		{actionFollowNotYet, "7", true, "We'll check in once more"},
		{actionFollowNo, "8", true, "isn't one of yours"},
	} {
		r := c.Action(context.Background(), ann, tc.action, tc.value)
		if r == nil || r.Answer == nil {
			t.Fatalf("%s: no answer", tc.action)
		}
		if got := PlainText(r.Answer); !strings.Contains(got, tc.want) || r.Replace != tc.replace {
			t.Errorf("%s: %q (replacing %v), want %q (replacing %v)", tc.action, got, r.Replace, tc.want, tc.replace)
		}
	}
	if want := []string{"U1:arranged", "U1:yes", "U1:not_yet"}; !slices.Equal(st.answers, want) {
		t.Errorf("answers recorded %v, want %v", st.answers, want)
	}
}
