package bot

import (
	"context"
	"strconv"
)

// introAction answers the buttons on intros and follow-ups (their words
// are in intro_messages.go). The answers to a follow-up take the place of
// the question; the others are told to the member alone, since the intro
// is shared with the people in it.
func (c *Chat) introAction(ctx context.Context, u User, action, value string) *Reply {
	if c.Rounds == nil {
		return nil
	}
	introID, _ := strconv.ParseInt(value, 10, 64)
	switch action {
	case actionIntroArranged:
		if _, _, err := c.Rounds.Answer(ctx, u, introID, AnswerArranged); err != nil {
			return c.failed("arranged", err)
		}
		return Answer("Wonderful, enjoy meeting! We won't ask you whether you met.")
	case actionIntroPause:
		st, err := c.Service.Pause(ctx, u, nil)
		if err != nil {
			return c.failed("pause", err)
		}
		return AnswerWith(pausedMessage(st, c.loc()))
	case actionIntroBlock:
		return c.notAGoodMatch(ctx, u, introID)
	case actionIntroBlockAll:
		return c.blockAllInIntro(ctx, u, introID, true)
	case actionIntroBlockOne:
		return c.blockOneInIntro(ctx, u, value)
	case actionFollowYes, actionFollowNotYet, actionFollowNo:
		answer := map[string]string{actionFollowYes: AnswerYes, actionFollowNotYet: AnswerNotYet, actionFollowNo: AnswerNo}[action]
		_, askAgain, err := c.Rounds.Answer(ctx, u, introID, answer)
		if err != nil {
			return c.failedReplacing("followup", err)
		}
		return &Reply{Answer: followUpAnswer(answer, askAgain), Replace: true}
	}
	return nil
}

// followUpAnswer thanks a member for their answer to a follow-up;
// askAgain says whether a "not yet" will be asked about once more.
func followUpAnswer(answer string, askAgain bool) *Message {
	switch answer {
	case AnswerYes:
		return Say("Thank you! Glad you met. We'll keep introducing you to new people.")
	case AnswerNotYet:
		if !askAgain {
			return Say("No problem: there's no rush. If you do meet, we'd love to hear how it went in your next introduction.")
		}
		return Say("No problem: there's no rush. We'll check in once more before the round ends.")
	}
	return Say("Thanks for letting us know. Not every introduction works out; your next one will be someone new.")
}
