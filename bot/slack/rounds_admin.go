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
		return textReply(mdf("Only network admins can use `%s admin`.", bot.CommandName)), nil
	}
	switch args[0] {
	case "preview":
		return textReply("Working out a preview of the next round…"), func(ctx context.Context) {
			plan, period, err := a.rounds.PreviewNext(ctx)
			if err != nil {
				a.tellLater(ctx, cmd, a.replyErr("preview", err).Text)
				return
			}
			a.tellLaterLong(ctx, cmd, previewText(plan, when(period, a.loc)))
		}
	case "run-now":
		force := len(args) > 1 && strings.EqualFold(args[1], "--force")
		value := "normal"
		note := md("It counts as this period's round, so it won't run if this period's round has already run.")
		if force {
			value = "force"
			note = "*--force*: it runs even if this period's round has already run. Members already introduced this period wait for their next turn; those who joined since are introduced."
		}
		yes := button(actionRunConfirm, value, "Run the round now")
		yes.Style = slack.StylePrimary
		no := button(actionRunCancel, value, "Cancel")
		text := "*Run a round of introductions now?* Everyone taking part will get an introduction within the next few minutes. " + note
		return ephemeral("Run a round of introductions now?",
			messageBlocks().section(text).actions("rounds_run", yes, no).done()), nil
	case "stats":
		return textReply("Gathering the figures…"), func(ctx context.Context) {
			st, err := a.rounds.Stats(ctx)
			if err != nil {
				a.tellLater(ctx, cmd, a.replyErr("stats", err).Text)
				return
			}
			a.tellLaterLong(ctx, cmd, statsText(st, a.loc))
		}
	}
	return helpReply("", true), nil
}

// onRoundsAction runs a confirmed round. The admin check comes before any
// answer: a confirm button forged by a member is refused without first
// being told the round is running.
func (a *Adapter) onRoundsAction(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) (any, func(context.Context)) {
	if act.ActionID == actionRunCancel {
		return nil, func(ctx context.Context) { a.replace(ctx, cb, "Cancelled: no round was run.") }
	}
	if act.ActionID != actionRunConfirm || a.rounds == nil {
		return nil, nil
	}
	u := bot.User{Platform: Platform, ID: cb.User.ID}
	if a.rounds.IsAdmin == nil || !a.rounds.IsAdmin(u) {
		a.log.Warn("run-now confirmed by someone who is not an admin", "user", cb.User.ID)
		return nil, func(ctx context.Context) {
			a.replace(ctx, cb, mdf("Only network admins can use `%s admin run-now`.", bot.CommandName))
		}
	}
	return nil, func(ctx context.Context) {
		a.replace(ctx, cb, "Running the round…")
		round, plan, err := a.rounds.RunNow(ctx, act.Value == "force")
		if err != nil {
			a.replace(ctx, cb, a.replyErr("run-now", err).Text)
			return
		}
		a.log.Info("round run by an admin", "round", round.Number, "intros", round.Intros, "user", cb.User.ID)
		if a.afterRound != nil {
			a.afterRound()
		}
		a.replace(ctx, cb, mdf("Round %d is under way: %s for %s, %d left out. The messages are on their way.",
			round.Number, bot.Count(round.Intros, "introduction", "introductions"), bot.Count(plan.Eligible, "member", "members"), round.LeftOut))
	}
}

// tellLaterLong sends a long private answer, split into sections.
func (a *Adapter) tellLaterLong(ctx context.Context, cmd slack.SlashCommand, text md) {
	blocks := messageBlocks().section(text).done()
	msg := &slack.WebhookMessage{Text: string(truncMD(text, maxSectionText)), Blocks: &slack.Blocks{BlockSet: blocks}, ResponseType: slack.ResponseTypeEphemeral}
	if cmd.ResponseURL != "" {
		if err := slack.PostWebhookContext(ctx, cmd.ResponseURL, msg); err == nil {
			return
		}
	}
	if err := a.dm(ctx, cmd.UserID, md(msg.Text), blocks); err != nil {
		a.log.Error("could not send an admin answer", "user", cmd.UserID, "err", err)
	}
}

// previewText renders a dry run for an admin.
func previewText(p *bot.RoundPlan, when string) md {
	var b []md
	trios := 0
	for _, in := range p.Intros {
		if len(in.MemberIDs) == 3 {
			trios++
		}
	}
	line := mdf("• *%d* %s would take part, in *%d* %s", p.Eligible, bot.Plural(p.Eligible, "member", "members"), len(p.Intros), bot.Plural(len(p.Intros), "introduction", "introductions"))
	if trios > 0 {
		line += mdf(" (%d %s, so nobody is left over)", trios, bot.Plural(trios, "a trio", "trios"))
	}
	b = append(b, mdf("*Preview of the round on %s* (nothing is stored or sent)", when), line+".")
	if len(p.LeftOut) > 0 {
		b = append(b, mdf("\n*Left out: no possible partner* (%d)", len(p.LeftOut)))
		for _, l := range p.LeftOut {
			b = append(b, mdf("• %s: %s", l.Member.Name, l.Reason))
		}
	}
	if len(p.Skipped) > 0 {
		b = append(b, mdf("\n*Not taking part this round* (%d)", len(p.Skipped)))
		for i, l := range p.Skipped {
			if i == 30 {
				b = append(b, mdf("• …and %d more", len(p.Skipped)-30))
				break
			}
			b = append(b, mdf("• %s: %s", l.Member.Name, l.Reason))
		}
	}
	if len(p.Intros) > 0 {
		b = append(b, "\n*The first introductions*")
	}
	for i, in := range p.Intros {
		if i == 5 {
			b = append(b, mdf("…and %d more.", len(p.Intros)-5))
			break
		}
		b = append(b, mdf("%d. %s", i+1, in.Explanation))
	}
	return joinMD(b, "\n")
}

func pct(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) }

// statsText renders the network's figures, the last rounds side by side.
func statsText(s *bot.Stats, loc *time.Location) md {
	b := []md{
		"*Rapport in numbers*",
		mdf("• Members: *%d* taking part, %d paused, %d unreachable", s.Active, s.Paused, s.Inactive),
		mdf("• Rounds: *%d*, introductions: *%d*", s.Rounds, s.Intros),
		mdf("• Across organisations: *%s*, across sectors: *%s*", pct(s.CrossOrganisation), pct(s.CrossSector)),
		mdf("• Of delivered introductions: met *%s*, arranged to meet (not yet met) *%s*", pct(s.MetRate), pct(s.ArrangedRate)),
	}
	if len(s.Recent) == 0 {
		return joinMD(append(b, "\nNo round has run yet."), "\n")
	}
	b = append(b, "\n*The last rounds*\n```")
	b = append(b, mdf("%-6s %-7s %7s %6s %10s %7s %5s %9s %9s", "round", "date", "intros", "trios", "delivered", "failed", "met", "arranged", "left out"))
	for _, r := range s.Recent {
		b = append(b, mdf("%-6d %-7s %7d %6d %10d %7d %5d %9d %9d", r.Number, r.CreatedAt.In(loc).Format("2 Jan"), r.Intros, r.Trios, r.Delivered, r.Failed, r.Met, r.Arranged, r.LeftOut))
	}
	b = append(b, "```")
	return joinMD(b, "\n")
}
