package bot

import (
	"context"
	"errors"
	"time"
)

// notYoursMessage answers a member who acts on an intro that is not theirs.
const notYoursMessage = "That introduction isn't one of yours, or it was erased."

// Answer records a member's answer about an intro ("arranged", "yes",
// "not_yet", "no"). "Not yet" queues one more ask near the end of the
// round, once; askAgain says whether one is coming. Returns ENOTFOUND when
// the member is not in the intro.
func (r *Rounds) Answer(ctx context.Context, u User, introID int64, answer string) (in *Intro, askAgain bool, err error) {
	var second time.Time
	now := r.now()
	if answer == AnswerNotYet {
		in, err := r.Store.FindIntro(ctx, introID)
		if err != nil {
			return nil, false, err
		}
		second = in.CreatedAt.Add(r.settings().SecondAskAfter)
		if !second.After(now) {
			second = time.Time{} // the round is over: no second ask
		}
	}
	in, askAgain, err = r.Store.RecordAnswer(ctx, introID, u.Platform, u.ID, answer, second, now)
	if ErrorCode(err) == ENOTFOUND {
		return nil, false, Refuse(ENOTFOUND, notYoursMessage)
	}
	if err == nil && askAgain && r.OnQueued != nil {
		r.OnQueued()
	}
	return in, askAgain, err
}

// NotAGoodMatch blocks the member from being introduced to the others in
// the intro again. Only the member knows.
func (r *Rounds) NotAGoodMatch(ctx context.Context, u User, introID int64) (*Intro, error) {
	in, err := r.Store.RecordNotAGoodMatch(ctx, introID, u.Platform, u.ID, r.now())
	if ErrorCode(err) == ENOTFOUND {
		return nil, Refuse(ENOTFOUND, notYoursMessage)
	}
	return in, err
}

// History returns the member's latest intros, newest first.
func (r *Rounds) History(ctx context.Context, m *Member, limit int) ([]Intro, error) {
	if m == nil {
		return nil, errors.New("history: no member")
	}
	return r.Store.RecentIntros(ctx, m.ID, limit)
}
