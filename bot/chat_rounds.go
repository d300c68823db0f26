package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// Action IDs of the run-now confirmation. The value of both buttons is
// runNormal or runForce.
const (
	actionRunConfirm = "rounds_run_confirm"
	actionRunCancel  = "rounds_run_cancel"
)

const (
	runNormal = "normal"
	runForce  = "force"
)

// isRoundsAdmin reports whether an admin command is about rounds.
func isRoundsAdmin(args []string) bool {
	return len(args) > 0 && (args[0] == "preview" || args[0] == "run-now" || args[0] == "stats" || args[0] == "dashboard")
}

// roundsAdmin answers "admin preview", "admin run-now [--force]",
// "admin stats" and "admin dashboard", for admins only. A preview and the figures can take
// longer than a platform waits for its answer, so they come Later.
func (c *Chat) roundsAdmin(ctx context.Context, u User, args []string) *Reply {
	if !c.isAdmin(u) {
		return refused(Answer("Only network admins can use ", Cmd("admin"), "."))
	}
	if c.Rounds == nil {
		return c.failed("admin "+args[0], errNoRounds)
	}
	switch args[0] {
	case "preview":
		return &Reply{Answer: Say("Working out a preview of the next round…"), Later: func(ctx context.Context) *Reply {
			plan, period, err := c.Rounds.PreviewNext(ctx)
			if err != nil {
				return c.failed("preview", err)
			}
			return AnswerWith(previewMessage(plan, period, c.loc()))
		}}
	case "run-now":
		return AnswerWith(runNowConfirmMessage(len(args) > 1 && strings.EqualFold(args[1], "--force")))
	case "dashboard":
		if c.Admin == nil {
			return c.failed("admin dashboard", errors.New("no admin pages are served here"))
		}
		link, expires, err := c.Admin.NewSignInLink(ctx, u)
		if err != nil {
			return c.failed("admin dashboard", err)
		}
		return &Reply{Answer: Say("I've sent you a link to the admin pages in a direct message from me."),
			DMs:      []*Message{dashboardLinkMessage(link, expires, c.loc())},
			DMFailed: Say("Sorry, I couldn't send you the link just now. Please try ", Cmd("admin dashboard"), " again in a few minutes.")}
	case "stats":
		return &Reply{Answer: Say("Gathering the figures…"), Later: func(ctx context.Context) *Reply {
			st, err := c.Rounds.Stats(ctx)
			if err != nil {
				return c.failed("stats", err)
			}
			if c.Directory != nil {
				if st.Gaps, err = c.Directory.Store.LearningGaps(ctx, statsGaps); err != nil {
					return c.failed("stats", err)
				}
			}
			return AnswerWith(statsMessage(st, c.loc()))
		}}
	}
	return nil
}

// roundsAction answers the run-now confirmation. The admin check comes
// before any answer: a confirm button forged by a member is refused
// without first being told the round is running.
func (c *Chat) roundsAction(ctx context.Context, u User, action, value string) *Reply {
	switch action {
	case actionRunCancel:
		return Replacing("Cancelled: no round was run.")
	case actionRunConfirm:
	default:
		return nil
	}
	if !c.isAdmin(u) {
		c.log().Warn("run-now confirmed by someone who is not an admin", "user", u.ID)
		return refused(Replacing("Only network admins can use ", Cmd("admin", "run-now"), "."))
	}
	if c.Rounds == nil {
		return c.failedReplacing("run-now", errNoRounds)
	}
	r := Replacing("Running the round…")
	r.Later = func(ctx context.Context) *Reply {
		round, plan, err := c.Rounds.RunNow(ctx, value == runForce)
		if err != nil {
			return c.failedReplacing("run-now", err)
		}
		c.log().Info("round run by an admin", "round", round.Number, "intros", round.Intros, "user", u.ID)
		if c.Admin != nil {
			c.Admin.Record(ctx, u, AuditRunRound, 0, "round "+strconv.Itoa(round.Number))
		}
		if c.AfterRound != nil {
			c.AfterRound()
		}
		return &Reply{Answer: roundStartedMessage(round, plan), Replace: true}
	}
	return r
}
