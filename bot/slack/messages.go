package slack

import (
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// reply is a message answered privately to the person who asked.
type reply struct {
	ResponseType    string        `json:"response_type,omitempty"`
	Text            md            `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
}

func ephemeral(text md, blocks []slack.Block) *reply {
	return &reply{ResponseType: slack.ResponseTypeEphemeral, Text: md(fallback(text)), Blocks: blocks}
}

// textReply is a private answer of one piece of markup.
func textReply(text md) *reply {
	return ephemeral(text, messageBlocks().section(text).done())
}

// plainReply is a private answer of plain text: a message written in bot.
func plainReply(text string) *reply { return textReply(esc(text)) }

func errorReply(err error) *reply { return plainReply(bot.ErrorMessage(err)) }

func helpReply(prefix string, admin bool) *reply {
	var lines []md
	if prefix != "" {
		lines = append(lines, esc(prefix)+"\n")
	}
	lines = append(lines, "*Rapport introduces you to people across the network.* Here's what you can do:")
	for _, c := range bot.Subcommands {
		if c.Admin && !admin {
			continue
		}
		usage := strings.TrimSpace(bot.CommandName + " " + c.Usage)
		lines = append(lines, mdf("• `%s`: %s", usage, c.Help))
	}
	return textReply(joinMD(lines, "\n"))
}

// when formats a time as people in the network read it.
func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January at 15:04")
}

func day(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January 2006")
}

// profileFields renders a profile as mrkdwn lines.
func profileFields(m *bot.Member) md {
	p := m.Profile
	lines := []md{
		mdf("*Organisation:* %s", p.Organisation),
		mdf("*Sector:* %s", bot.Label(bot.Sectors, p.Sector)),
		mdf("*Role:* %s, %s", bot.Label(bot.Roles, p.Role), strings.ToLower(bot.Label(bot.CareerStages, p.CareerStage))),
	}
	list := func(label md, xs []string) {
		if len(xs) > 0 {
			lines = append(lines, mdf("*%s:* %s", label, strings.Join(xs, ", ")))
		}
	}
	list("Interests", p.Interests)
	list("Can help with", p.Offers)
	list("Would like to learn about", p.Asks)
	lines = append(lines,
		mdf("*Introductions:* %s", strings.ToLower(bot.Label(bot.Frequencies, p.Frequency))),
		mdf("*Mentoring:* %s", bot.Label(bot.MentoringChoices, p.Mentoring)),
		mdf("*Meeting:* %s", bot.Label(bot.MeetingChoices, p.Meeting)),
	)
	if p.Bio != "" {
		lines = append(lines, mdf("*About you:* %s", p.Bio))
	}
	return joinMD(lines, "\n")
}

// standing says whether the member is paused and when their next round is.
func standing(st *bot.Status, loc *time.Location, now time.Time) md {
	m := st.Member
	var s md
	switch {
	case m.Status == bot.StatusInactive:
		s = mdf("We couldn't reach you with your last introduction, so you are not in rounds for now. Save your profile again with `%s` to rejoin.", bot.CommandName)
	case m.PausedAt(now) && m.PausedUntil == nil:
		s = mdf("You are *paused* until you resume with `%s resume`.", bot.CommandName)
	case m.PausedAt(now):
		s = mdf("You are *paused* until %s.", day(*m.PausedUntil, loc))
	default:
		s = "You are *taking part* in introductions."
	}
	if !st.NextRound.IsZero() && m.Status != bot.StatusInactive {
		s += mdf(" The next round you can be part of is on %s.", when(st.NextRound, loc))
	}
	return s
}

func statusReply(st *bot.Status, recent []bot.Intro, loc *time.Location, now time.Time) *reply {
	text := standing(st, loc, now)
	history := md("*Your recent introductions*\nNone yet.")
	if len(recent) > 0 {
		history = "*Your recent introductions*"
		for _, in := range recent {
			var others []string
			var answer string
			for _, im := range in.Members {
				if im.Member.ID == st.Member.ID {
					answer = im.Answer
				} else {
					others = append(others, im.Member.Name)
				}
			}
			history += mdf("\n• %s: %s (%s)", in.CreatedAt.In(loc).Format("2 Jan"), andList(others), answerLabel(in.Status, answer))
		}
	}
	return ephemeral(text, messageBlocks().
		section("*Your Rapport profile*\n"+profileFields(st.Member)).
		section(text).
		section(history).
		context("", mdf("Edit with `%s`, pause with `%s pause`, or see all commands with `%s help`.", bot.CommandName, bot.CommandName, bot.CommandName)).
		done())
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
	text := mdf("Done: you're paused until you resume with `%s resume`. Take all the time you need.", bot.CommandName)
	if m.PausedUntil != nil {
		text = mdf("Done: you're paused until %s. You'll be back in rounds from then", day(*m.PausedUntil, loc))
		if !st.NextRound.IsZero() {
			text += mdf(", starting with the one on %s", when(st.NextRound, loc))
		}
		text += mdf(". To come back sooner, use `%s resume`.", bot.CommandName)
	}
	return textReply(text)
}

// resumeReply answers resume; wasPaused says whether there was a pause to
// end, so a member who was taking part is not welcomed back.
func resumeReply(st *bot.Status, wasPaused bool, loc *time.Location) *reply {
	text := md("Welcome back: you're taking part in introductions again.")
	if !wasPaused {
		text = "You're not paused: you're already taking part in introductions."
	}
	if !st.NextRound.IsZero() {
		text += mdf(" The next round is on %s.", when(st.NextRound, loc))
	}
	return textReply(text)
}

// welcomeMessage is the DM sent when someone saves their profile.
func welcomeMessage(st *bot.Status, joined bool, loc *time.Location) (md, []slack.Block) {
	m := st.Member
	head := md("Thanks, your profile is updated.")
	if joined {
		head = "Welcome to Rapport! Your profile is saved."
		if name := bot.FirstName(*m); name != "" {
			head = mdf("Welcome to Rapport, %s! Your profile is saved.", name)
		}
	}
	next := md("Your introductions will come in a direct message like this one.")
	if !st.NextRound.IsZero() {
		next = mdf("The next round is on %s: your introduction will come in a group message with the person you're introduced to.", when(st.NextRound, loc))
	}
	if m.Paused && st.NextRound.IsZero() {
		next = mdf("You're paused at the moment, so no introductions will come until you resume with `%s resume`.", bot.CommandName)
	}
	blocks := messageBlocks().
		section("*"+head+"*\n"+profileFields(m)).
		section(next).
		context("", mdf("Change anything with `%s`. Take a break with `%s pause`. See everything we store with `%s export`, or erase it with `%s leave`.", bot.CommandName, bot.CommandName, bot.CommandName, bot.CommandName)).
		done()
	return head + " " + next, blocks
}

// leaveConfirmReply asks before erasing anything.
func leaveConfirmReply() *reply {
	text := md("Leaving erases your profile and everything Rapport holds about you, and you won't be introduced to anyone again. The people you were introduced to keep their own record, which will say they met a member who has left, with nothing about you. This can't be undone.")
	yes := button(actionLeaveConfirm, "leave", "Yes, erase my data")
	yes.Style = slack.StyleDanger
	no := button(actionLeaveCancel, "stay", "No, keep me in")
	return ephemeral(text, messageBlocks().
		section("*Are you sure you want to leave Rapport?*\n"+text).
		actions("leave", yes, no).
		done())
}

func adminReply(r *bot.AdminReply) *reply {
	text := mdf("*%s*", r.Title)
	for _, l := range r.Lines {
		text += mdf("\n• %s", l)
	}
	return textReply(text)
}
