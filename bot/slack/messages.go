package slack

import (
	"fmt"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// escape makes user text safe inside mrkdwn: Slack reads &, < and > as
// control sequences, so "<!channel>" typed into a bio would ping everyone.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// reply is a message answered privately to the person who asked.
type reply struct {
	ResponseType    string        `json:"response_type,omitempty"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
}

func ephemeral(text string, blocks ...slack.Block) *reply {
	return &reply{ResponseType: slack.ResponseTypeEphemeral, Text: text, Blocks: blocks}
}

func textReply(text string) *reply {
	return ephemeral(text, slack.NewSectionBlock(mrkdwn(text), nil, nil))
}

func errorReply(err error) *reply { return textReply(bot.ErrorMessage(err)) }

func helpReply(prefix string, admin bool) *reply {
	var b strings.Builder
	if prefix != "" {
		b.WriteString(prefix + "\n\n")
	}
	b.WriteString("*Rapport introduces you to people across the network.* Here's what you can do:\n")
	for _, c := range bot.Subcommands {
		if c.Admin && !admin {
			continue
		}
		usage := strings.TrimSpace(bot.CommandName + " " + c.Usage)
		fmt.Fprintf(&b, "• `%s`: %s\n", usage, c.Help)
	}
	return textReply(strings.TrimRight(b.String(), "\n"))
}

// when formats a time as people in the network read it.
func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January at 15:04")
}

func day(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January 2006")
}

// profileFields renders a profile as mrkdwn lines, escaping what people
// typed.
func profileFields(m *bot.Member) string {
	p := m.Profile
	lines := []string{
		"*Organisation:* " + escape(p.Organisation),
		"*Sector:* " + bot.Label(bot.Sectors, p.Sector),
		"*Role:* " + bot.Label(bot.Roles, p.Role) + ", " + strings.ToLower(bot.Label(bot.CareerStages, p.CareerStage)),
	}
	list := func(label string, xs []string) {
		if len(xs) > 0 {
			lines = append(lines, "*"+label+":* "+escape(strings.Join(xs, ", ")))
		}
	}
	list("Interests", p.Interests)
	list("Can help with", p.Offers)
	list("Would like to learn about", p.Asks)
	lines = append(lines,
		"*Introductions:* "+strings.ToLower(bot.Label(bot.Frequencies, p.Frequency)),
		"*Mentoring:* "+bot.Label(bot.MentoringChoices, p.Mentoring),
		"*Meeting:* "+bot.Label(bot.MeetingChoices, p.Meeting),
	)
	if p.Bio != "" {
		lines = append(lines, "*About you:* "+escape(p.Bio))
	}
	return strings.Join(lines, "\n")
}

// standing says whether the member is paused and when their next round is.
func standing(st *bot.Status, loc *time.Location, now time.Time) string {
	m := st.Member
	var s string
	switch {
	case m.Status == bot.StatusInactive:
		s = "We couldn't reach you with your last introduction, so you are not in rounds for now. Save your profile again with `" + bot.CommandName + "` to rejoin."
	case m.PausedAt(now) && m.PausedUntil == nil:
		s = "You are *paused* until you resume with `" + bot.CommandName + " resume`."
	case m.PausedAt(now):
		s = "You are *paused* until " + day(*m.PausedUntil, loc) + "."
	default:
		s = "You are *taking part* in introductions."
	}
	if !st.NextRound.IsZero() && m.Status != bot.StatusInactive {
		s += " The next round you can be part of is on " + when(st.NextRound, loc) + "."
	}
	return s
}

func statusReply(st *bot.Status, recent []bot.Intro, loc *time.Location, now time.Time) *reply {
	text := standing(st, loc, now)
	history := "*Your recent introductions*\nNone yet."
	if len(recent) > 0 {
		history = "*Your recent introductions*"
		for _, in := range recent {
			var others []string
			var answer string
			for _, im := range in.Members {
				if im.Member.ID == st.Member.ID {
					answer = im.Answer
				} else {
					others = append(others, escape(im.Member.Name))
				}
			}
			history += fmt.Sprintf("\n• %s: %s (%s)", in.CreatedAt.In(loc).Format("2 Jan"), andList(others), answerLabel(in.Status, answer))
		}
	}
	return ephemeral(text,
		slack.NewSectionBlock(mrkdwn("*Your Rapport profile*\n"+profileFields(st.Member)), nil, nil),
		slack.NewSectionBlock(mrkdwn(text), nil, nil),
		slack.NewSectionBlock(mrkdwn(history), nil, nil),
		slack.NewContextBlock("", mrkdwn("Edit with `"+bot.CommandName+"`, pause with `"+bot.CommandName+" pause`, or see all commands with `"+bot.CommandName+" help`.")),
	)
}

func answerLabel(status, answer string) string {
	if status == bot.IntroFailed {
		return "could not be delivered"
	}
	switch answer {
	case bot.AnswerArranged:
		return "arranged to meet"
	case bot.AnswerYes:
		return "met"
	case bot.AnswerNotYet:
		return "not met yet"
	case bot.AnswerNo:
		return "didn't meet"
	}
	return "no answer yet"
}

func pauseReply(st *bot.Status, loc *time.Location) *reply {
	m := st.Member
	text := "Done: you're paused until you resume with `" + bot.CommandName + " resume`. Take all the time you need."
	if m.PausedUntil != nil {
		text = "Done: you're paused until " + day(*m.PausedUntil, loc) + ". You'll be back in rounds from then"
		if !st.NextRound.IsZero() {
			text += ", starting with the one on " + when(st.NextRound, loc)
		}
		text += ". To come back sooner, use `" + bot.CommandName + " resume`."
	}
	return textReply(text)
}

func resumeReply(st *bot.Status, loc *time.Location) *reply {
	text := "Welcome back: you're taking part in introductions again."
	if !st.NextRound.IsZero() {
		text += " The next round is on " + when(st.NextRound, loc) + "."
	}
	return textReply(text)
}

// welcomeMessage is the DM sent when someone saves their profile.
func welcomeMessage(st *bot.Status, joined bool, loc *time.Location) (string, []slack.Block) {
	m := st.Member
	head := "Thanks, your profile is updated."
	if joined {
		head = "Welcome to Rapport! Your profile is saved."
		if name := bot.FirstName(*m); name != "" {
			head = "Welcome to Rapport, " + name + "! Your profile is saved."
		}
	}
	next := "Your introductions will come in a direct message like this one."
	if !st.NextRound.IsZero() {
		next = "The next round is on " + when(st.NextRound, loc) + ": your introduction will come in a group message with the person you're introduced to."
	}
	if m.Paused && st.NextRound.IsZero() {
		next = "You're paused at the moment, so no introductions will come until you resume with `" + bot.CommandName + " resume`."
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn("*"+escape(head)+"*\n"+profileFields(m)), nil, nil),
		slack.NewSectionBlock(mrkdwn(next), nil, nil),
		slack.NewContextBlock("", mrkdwn("Change anything with `"+bot.CommandName+"`. Take a break with `"+bot.CommandName+" pause`. See everything we store with `"+bot.CommandName+" export`, or erase it with `"+bot.CommandName+" leave`.")),
	}
	return head + " " + next, blocks
}

// leaveConfirmReply asks before erasing anything.
func leaveConfirmReply() *reply {
	text := "Leaving erases your profile and your introduction history, and you won't be introduced to anyone again. This can't be undone."
	yes := slack.NewButtonBlockElement(actionLeaveConfirm, "leave", plain("Yes, erase my data"))
	yes.Style = slack.StyleDanger
	no := slack.NewButtonBlockElement(actionLeaveCancel, "stay", plain("No, keep me in"))
	return ephemeral(text,
		slack.NewSectionBlock(mrkdwn("*Are you sure you want to leave Rapport?*\n"+text), nil, nil),
		slack.NewActionBlock("leave", yes, no),
	)
}

func adminReply(r *bot.AdminReply) *reply {
	text := "*" + escape(r.Title) + "*"
	for _, l := range r.Lines {
		text += "\n• " + escape(l)
	}
	return textReply(text)
}
