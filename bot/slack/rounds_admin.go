package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// Action IDs of the run-now confirmation.
const (
	actionRunConfirm = "rounds_run_confirm"
	actionRunCancel  = "rounds_run_cancel"
)

// maxSectionText keeps a section under Slack's 3,000 character limit.
const maxSectionText = 2900

// isRoundsAdmin reports whether an admin command is about rounds.
func isRoundsAdmin(args []string) bool {
	return len(args) > 0 && (args[0] == "preview" || args[0] == "run-now" || args[0] == "stats")
}

// onRoundsAdmin answers "admin preview", "admin run-now [--force]" and
// "admin stats". Work that can take longer than the ack allows is done
// after the ack and answered through the response URL.
func (a *Adapter) onRoundsAdmin(ctx context.Context, cmd slack.SlashCommand, args []string) (any, func(context.Context)) {
	u := bot.User{Platform: Platform, ID: cmd.UserID}
	if a.rounds == nil || a.rounds.IsAdmin == nil || !a.rounds.IsAdmin(u) {
		return textReply("Only network admins can use `" + bot.CommandName + " admin`."), nil
	}
	switch args[0] {
	case "preview":
		return textReply("Working out a preview of the next round…"), func(ctx context.Context) {
			plan, period, err := a.rounds.PreviewFor(ctx, u)
			if err != nil {
				a.tellLater(ctx, cmd, a.replyErr("preview", err).Text)
				return
			}
			a.tellLaterLong(ctx, cmd, previewText(plan, when(period, a.loc)))
		}
	case "run-now":
		force := len(args) > 1 && args[1] == "--force"
		value := "normal"
		note := "It counts as this period's round, so it won't run if this period's round has already run."
		if force {
			value = "force"
			note = "*--force*: it runs even if this period's round has already run. Members already introduced this period wait for their next turn; those who joined since are introduced."
		}
		yes := slack.NewButtonBlockElement(actionRunConfirm, value, plain("Run the round now"))
		yes.Style = slack.StylePrimary
		no := slack.NewButtonBlockElement(actionRunCancel, value, plain("Cancel"))
		text := "*Run a round of introductions now?* Everyone taking part will get an introduction within the next few minutes. " + note
		return ephemeral("Run a round of introductions now?",
			slack.NewSectionBlock(mrkdwn(text), nil, nil), slack.NewActionBlock("rounds_run", yes, no)), nil
	case "stats":
		return textReply("Gathering the figures…"), func(ctx context.Context) {
			st, err := a.rounds.Stats(ctx, u)
			if err != nil {
				a.tellLater(ctx, cmd, a.replyErr("stats", err).Text)
				return
			}
			a.tellLaterLong(ctx, cmd, statsText(st, a.loc))
		}
	}
	return helpReply("", true), nil
}

// onRoundsAction runs a confirmed round.
func (a *Adapter) onRoundsAction(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) (any, func(context.Context)) {
	if act.ActionID == actionRunCancel {
		return nil, func(ctx context.Context) { a.replace(ctx, cb, "Cancelled: no round was run.") }
	}
	if act.ActionID != actionRunConfirm || a.rounds == nil {
		return nil, nil
	}
	u := bot.User{Platform: Platform, ID: cb.User.ID}
	return nil, func(ctx context.Context) {
		a.replace(ctx, cb, "Running the round…")
		round, plan, err := a.rounds.RunNow(ctx, u, act.Value == "force")
		if err != nil {
			a.replace(ctx, cb, a.replyErr("run-now", err).Text)
			return
		}
		a.log.Info("round run by an admin", "round", round.Number, "intros", round.Intros, "user", cb.User.ID)
		if a.afterRound != nil {
			a.afterRound()
		}
		a.replace(ctx, cb, fmt.Sprintf("Round %d is under way: %d introductions for %d members, %d left out. The messages are on their way.",
			round.Number, round.Intros, plan.Eligible, round.LeftOut))
	}
}

// tellLaterLong sends a long private answer, split into sections.
func (a *Adapter) tellLaterLong(ctx context.Context, cmd slack.SlashCommand, text string) {
	var blocks []slack.Block
	for _, chunk := range splitLines(text, maxSectionText) {
		if len(blocks) == 45 {
			blocks = append(blocks, slack.NewContextBlock("", mrkdwn("(cut short: too long for one message)")))
			break
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(chunk), nil, nil))
	}
	msg := &slack.WebhookMessage{Text: truncateRunes(text, 3000), Blocks: &slack.Blocks{BlockSet: blocks}, ResponseType: slack.ResponseTypeEphemeral}
	if cmd.ResponseURL != "" {
		if err := slack.PostWebhookContext(ctx, cmd.ResponseURL, msg); err == nil {
			return
		}
	}
	if err := a.dm(ctx, cmd.UserID, msg.Text, blocks); err != nil {
		a.log.Error("could not send an admin answer", "user", cmd.UserID, "err", err)
	}
}

// previewText renders a dry run for an admin.
func previewText(p *bot.RoundPlan, when string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Preview of the round on %s* (nothing is stored or sent)\n", when)
	fmt.Fprintf(&b, "• *%d* members would take part, in *%d* introductions", p.Eligible, len(p.Intros))
	trios := 0
	for _, in := range p.Intros {
		if len(in.MemberIDs) == 3 {
			trios++
		}
	}
	if trios > 0 {
		fmt.Fprintf(&b, " (%d a trio, so nobody is left over)", trios)
	}
	b.WriteString(".\n")
	if len(p.LeftOut) > 0 {
		fmt.Fprintf(&b, "\n*Left out: no possible partner* (%d)\n", len(p.LeftOut))
		for _, l := range p.LeftOut {
			fmt.Fprintf(&b, "• %s: %s\n", escape(l.Member.Name), escape(l.Reason))
		}
	}
	if len(p.Skipped) > 0 {
		fmt.Fprintf(&b, "\n*Not taking part this round* (%d)\n", len(p.Skipped))
		for i, l := range p.Skipped {
			if i == 30 {
				fmt.Fprintf(&b, "• …and %d more\n", len(p.Skipped)-30)
				break
			}
			fmt.Fprintf(&b, "• %s: %s\n", escape(l.Member.Name), escape(l.Reason))
		}
	}
	if len(p.Intros) > 0 {
		b.WriteString("\n*The first introductions*\n")
	}
	for i, in := range p.Intros {
		if i == 5 {
			fmt.Fprintf(&b, "…and %d more.\n", len(p.Intros)-5)
			break
		}
		fmt.Fprintf(&b, "%d. %s\n", i+1, escape(in.Explanation))
	}
	return b.String()
}

func pct(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) }

// statsText renders the network's figures, the last rounds side by side.
func statsText(s *bot.Stats, loc *time.Location) string {
	var b strings.Builder
	b.WriteString("*Rapport in numbers*\n")
	fmt.Fprintf(&b, "• Members: *%d* taking part, %d paused, %d unreachable\n", s.Active, s.Paused, s.Inactive)
	fmt.Fprintf(&b, "• Rounds: *%d*, introductions: *%d*\n", s.Rounds, s.Intros)
	fmt.Fprintf(&b, "• Across organisations: *%s*, across sectors: *%s*\n", pct(s.CrossOrganisation), pct(s.CrossSector))
	fmt.Fprintf(&b, "• Met (of delivered introductions): *%s*\n", pct(s.MetRate))
	if len(s.Recent) == 0 {
		b.WriteString("\nNo round has run yet.")
		return b.String()
	}
	b.WriteString("\n*The last rounds*\n```\n")
	fmt.Fprintf(&b, "%-6s %-7s %7s %6s %10s %7s %5s %9s\n", "round", "date", "intros", "trios", "delivered", "failed", "met", "left out")
	for _, r := range s.Recent {
		fmt.Fprintf(&b, "%-6d %-7s %7d %6d %10d %7d %5d %9d\n", r.Number, r.CreatedAt.In(loc).Format("2 Jan"), r.Intros, r.Trios, r.Delivered, r.Failed, r.Met, r.LeftOut)
	}
	b.WriteString("```")
	return b.String()
}
