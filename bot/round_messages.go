package bot

import (
	"fmt"
	"strings"
	"time"
)

// The words an admin reads about rounds: the preview, the run-now
// confirmation and its outcome, and the network's figures.

// Lists in a preview stop after so many lines, so it stays one message.
const (
	previewSkippedShown = 30
	previewIntrosShown  = 5
)

// previewMessage shows a dry run of the round planned for period; its
// date is in loc.
func previewMessage(p *RoundPlan, period time.Time, loc *time.Location) *Message {
	trios := 0
	for _, in := range p.Intros {
		if len(in.MemberIDs) == 3 {
			trios++
		}
	}
	line := P(Strong(fmt.Sprint(p.Eligible)), " ", Plural(p.Eligible, "member", "members"), " would take part, in ",
		Strong(fmt.Sprint(len(p.Intros))), " ", Plural(len(p.Intros), "introduction", "introductions"))
	if trios > 0 {
		line = P(line, fmt.Sprintf(" (%d %s, so nobody is left over)", trios, Plural(trios, "a trio", "trios")))
	}
	m := &Message{Sections: []Section{{
		Text:  P(Strong("Preview of the round on "+when(period, loc)), " (nothing is stored or sent)"),
		Items: []Text{P(line, ".")},
	}}}
	if len(p.LeftOut) > 0 {
		s := Section{Heading: fmt.Sprintf("Left out: no possible partner (%d)", len(p.LeftOut))}
		for _, l := range p.LeftOut {
			s.Items = append(s.Items, P(l.Member.Name, ": ", l.Reason))
		}
		m.Add(s)
	}
	if len(p.Skipped) > 0 {
		s := Section{Heading: fmt.Sprintf("Not taking part this round (%d)", len(p.Skipped))}
		for i, l := range p.Skipped {
			if i == previewSkippedShown {
				s.Items = append(s.Items, P(fmt.Sprintf("…and %d more", len(p.Skipped)-previewSkippedShown)))
				break
			}
			s.Items = append(s.Items, P(l.Member.Name, ": ", l.Reason))
		}
		m.Add(s)
	}
	if len(p.Intros) > 0 {
		var lines []string
		for i, in := range p.Intros {
			if i == previewIntrosShown {
				lines = append(lines, fmt.Sprintf("…and %d more.", len(p.Intros)-previewIntrosShown))
				break
			}
			lines = append(lines, fmt.Sprintf("%d. %s", i+1, in.Explanation))
		}
		m.Add(Section{Heading: "The first introductions", Text: P(strings.Join(lines, "\n"))})
	}
	return m
}

// runNowConfirmMessage asks an admin to confirm a round run now; force
// runs it even if this period's round has run.
func runNowConfirmMessage(force bool) *Message {
	value := runNormal
	note := P("It counts as this period's round, so it won't run if this period's round has already run.")
	if force {
		value = runForce
		note = P(Code("--force"), ": it runs even if this period's round has already run. Members already introduced this period wait for their next turn; those who joined since are introduced.")
	}
	const question = "Run a round of introductions now?"
	return &Message{
		Summary: P(question),
		Sections: []Section{{
			Text: P(Strong(question), " Everyone taking part will get an introduction within the next few minutes. ", note),
			Buttons: []Button{
				{Action: actionRunConfirm, Value: value, Label: "Run the round now", Style: StylePrimary},
				{Action: actionRunCancel, Value: value, Label: "Cancel"},
			},
		}},
	}
}

// roundStartedMessage tells the admin the round they ran is under way.
func roundStartedMessage(r *Round, p *RoundPlan) *Message {
	return Say(fmt.Sprintf("Round %d is under way: %s for %s, %d left out. The messages are on their way.",
		r.Number, Count(r.Intros, "introduction", "introductions"), Count(p.Eligible, "member", "members"), r.LeftOut))
}

func percent(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) }

// statsMessage shows the network's figures, the last rounds side by side
// in a table; dates are in loc.
func statsMessage(s *Stats, loc *time.Location) *Message {
	n := func(v int) Span { return Strong(fmt.Sprint(v)) }
	m := &Message{Title: "Rapport in numbers", Sections: []Section{{Items: []Text{
		P("Members: ", n(s.Active), fmt.Sprintf(" taking part, %d paused, %d unreachable", s.Paused, s.Inactive)),
		P("Rounds: ", n(s.Rounds), ", introductions: ", n(s.Intros)),
		P("Across organisations: ", Strong(percent(s.CrossOrganisation)), ", across sectors: ", Strong(percent(s.CrossSector))),
		P("Of delivered introductions: met ", Strong(percent(s.MetRate)), ", arranged to meet (not yet met) ", Strong(percent(s.ArrangedRate))),
	}}}}
	m.Add(learningGapsSection(s.Gaps))
	if len(s.Recent) == 0 {
		return m.Add(Section{Text: P("No round has run yet.")})
	}
	rows := []string{fmt.Sprintf("%-6s %-7s %7s %6s %10s %7s %5s %9s %9s", "round", "date", "intros", "trios", "delivered", "failed", "met", "arranged", "left out")}
	for _, r := range s.Recent {
		rows = append(rows, fmt.Sprintf("%-6d %-7s %7d %6d %10d %7d %5d %9d %9d", r.Number, shortDay(r.CreatedAt, loc), r.Intros, r.Trios, r.Delivered, r.Failed, r.Met, r.Arranged, r.LeftOut))
	}
	return m.Add(Section{Heading: "The last rounds", Pre: strings.Join(rows, "\n")})
}

// learningGapsSection lists what members want to learn and nobody offers.
func learningGapsSection(gaps []LearningGap) Section {
	sec := Section{Heading: "Learning gaps"}
	if len(gaps) == 0 {
		sec.Text = P("Everything members want to learn, someone offers.")
		return sec
	}
	for _, g := range gaps {
		sec.Items = append(sec.Items, LearningGapText(g))
	}
	return sec
}
