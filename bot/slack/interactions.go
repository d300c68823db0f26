package slack

import (
	"context"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// userLookupBudget bounds the users.info call inside a modal submission,
// which must be answered within the ack budget.
const userLookupBudget = 800 * time.Millisecond

// onInteraction answers a button or a form through the conversation core.
func (a *Adapter) onInteraction(ctx context.Context, cb slack.InteractionCallback, ans *answered) (any, func(context.Context)) {
	u := bot.User{Platform: Platform, ID: cb.User.ID, Name: cb.User.Name}
	o := originOf(cb)
	o.answered = ans
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		if cb.View.CallbackID == bot.ProfileFormID {
			ack, after := a.onProfileSubmit(ctx, cb, u, o)
			if ack == nil {
				// Saved: the Home tab, which the form may have been opened
				// from, shows the new profile.
				after = a.thenPublishHome(after, u.ID, nil)
			}
			return ack, after
		}
		if r := a.chat.Submit(ctx, u, cb.View.CallbackID, cb.View.PrivateMetadata, formValues(cb.View.State)); r != nil {
			return a.submissionAck(o, r)
		}
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return nil, nil
		}
		act := cb.ActionCallback.BlockActions[0]
		if fromHome(cb) {
			// A press in the Home tab has no channel to answer in: an
			// answer that takes the place of the tab is the tab, others
			// come by direct message, and the tab is published again to
			// show what changed.
			o.home = &homePress{}
		}
		ack, after := a.actionAck(o, a.chat.Action(ctx, u, act.ActionID, act.Value))
		if o.home != nil {
			after = a.thenPublishHome(after, u.ID, o.home)
		}
		return ack, after
	}
	return nil, nil
}

// onProfileSubmit saves a submitted profile, with the names Slack keeps
// for the person: their full name and the name to greet them by.
func (a *Adapter) onProfileSubmit(ctx context.Context, cb slack.InteractionCallback, u bot.User, o origin) (any, func(context.Context)) {
	name, first, known, err := a.lookupUser(ctx, cb.User.ID)
	switch {
	case err != nil:
		// Slack is slow or busy: carry on with the name from the payload
		// rather than fail a valid profile.
		a.log.Warn("users.info failed during a profile save", "user", cb.User.ID, "err", err)
	case !known:
		a.log.Warn("profile submitted by a user the workspace does not know", "user", cb.User.ID)
		return a.submissionAck(o, bot.NotInWorkspace())
	default:
		u.Name, u.FirstName = name, first
	}
	return a.submissionAck(o, a.chat.Submit(ctx, u, bot.ProfileFormID, "", formValues(cb.View.State)))
}

// lookupUser asks Slack for the user's full name and the name to greet them
// by: the profile's first name, or failing that their display name, which
// people choose for themselves (bot.FirstName skips a title in it). known
// is false when Slack does not know the user or the account is deactivated
// or a bot.
func (a *Adapter) lookupUser(ctx context.Context, id string) (name, first string, known bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, userLookupBudget)
	defer cancel()
	info, err := a.api.GetUserInfoContext(ctx, id)
	if slackErrorIs(err, "user_not_found", "users_not_found") {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	if info.Deleted || info.IsBot {
		return "", "", false, nil
	}
	name = info.Profile.RealName
	if name == "" {
		name = info.RealName
	}
	if name == "" {
		name = info.Profile.DisplayName
	}
	first = info.Profile.FirstName
	if first == "" {
		first = info.Profile.DisplayName
	}
	return name, first, true, nil
}
