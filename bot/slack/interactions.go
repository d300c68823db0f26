package slack

import (
	"context"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// Action IDs of the buttons the bot sends.
const (
	actionLeaveConfirm = "leave_confirm"
	actionLeaveCancel  = "leave_cancel"
)

// userLookupBudget bounds the users.info call inside a modal submission,
// which must be answered within the ack budget.
const userLookupBudget = 800 * time.Millisecond

func (a *Adapter) onInteraction(ctx context.Context, cb slack.InteractionCallback) (any, func(context.Context)) {
	if isMeetupInteraction(cb) {
		return a.onMeetupInteraction(ctx, cb)
	}
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		if cb.View.CallbackID == profileCallbackID {
			return a.onProfileSubmit(ctx, cb)
		}
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) > 0 {
			return a.onBlockAction(ctx, cb, cb.ActionCallback.BlockActions[0])
		}
	}
	return nil, nil
}

// onProfileSubmit validates and stores a submitted profile. Problems come
// back inline in the modal and nothing is stored; on success the modal
// closes and the member gets a DM summing up their profile.
func (a *Adapter) onProfileSubmit(ctx context.Context, cb slack.InteractionCallback) (any, func(context.Context)) {
	form := formFromState(cb.View.State)
	u := bot.User{Platform: Platform, ID: cb.User.ID, Name: cb.User.Name}

	name, first, known, err := a.lookupUser(ctx, cb.User.ID)
	switch {
	case err != nil:
		// Slack is slow or busy: carry on with the name from the payload
		// rather than fail a valid profile.
		a.log.Warn("users.info failed during a profile save", "user", cb.User.ID, "err", err)
	case !known:
		a.log.Warn("profile submitted by a user the workspace does not know", "user", cb.User.ID)
		return slack.NewErrorsViewSubmissionResponse(map[string]string{
			bot.FieldOrganisation: "We couldn't find your account in this Slack workspace, so we can't save a profile for it. If you've just joined, please try again in a few minutes.",
		}), nil
	default:
		u.Name, u.FirstName = name, first
	}

	m, joined, err := a.svc.SaveProfile(ctx, u, form)
	if err != nil {
		if fields := bot.FieldErrors(err); len(fields) > 0 {
			return slack.NewErrorsViewSubmissionResponse(fieldErrorBlocks(fields, form)), nil
		}
		a.log.Error("could not save a profile", "user", cb.User.ID, "err", err)
		return fallbackAck(string(slack.InteractionTypeViewSubmission)), nil
	}
	a.log.Info("profile saved", "user", cb.User.ID, "joined", joined)
	return nil, func(ctx context.Context) {
		st, err := a.svc.Status(ctx, u)
		if err != nil {
			st = &bot.Status{Member: m}
		}
		text, blocks := welcomeMessage(st, joined, a.loc)
		if err := a.dm(ctx, cb.User.ID, text, blocks); err != nil {
			a.log.Error("could not send the profile summary", "user", cb.User.ID, "err", err)
		}
	}
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

func (a *Adapter) onBlockAction(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) (any, func(context.Context)) {
	u := bot.User{Platform: Platform, ID: cb.User.ID}
	if strings.HasPrefix(act.ActionID, "intro_") || strings.HasPrefix(act.ActionID, "followup_") {
		return a.onIntroAction(ctx, cb, act)
	}
	if strings.HasPrefix(act.ActionID, "rounds_") {
		return a.onRoundsAction(ctx, cb, act)
	}
	switch act.ActionID {
	case actionLeaveConfirm:
		text := mdf("Done. We've erased your profile and everything we held about you; the people you were introduced to now see a member who has left. You're welcome back any time with `%s`.", bot.CommandName)
		if err := a.svc.Leave(ctx, u); err != nil {
			if bot.ErrorCode(err) == bot.EINTERNAL {
				a.log.Error("could not erase a member", "user", cb.User.ID, "err", err)
			}
			text = esc(bot.ErrorMessage(err))
		} else {
			a.log.Info("member left and was erased", "user", cb.User.ID)
		}
		return nil, func(ctx context.Context) { a.replace(ctx, cb, text) }
	case actionLeaveCancel:
		return nil, func(ctx context.Context) {
			a.replace(ctx, cb, "Good to have you staying. Nothing has changed.")
		}
	}
	return nil, nil
}

// replace swaps the message holding the clicked button for text, through
// the interaction's response URL (ephemeral messages have no other way).
func (a *Adapter) replace(ctx context.Context, cb slack.InteractionCallback, text md) {
	msg := &slack.WebhookMessage{Text: fallback(text), ReplaceOriginal: true, ResponseType: slack.ResponseTypeEphemeral}
	if cb.ResponseURL != "" {
		if err := slack.PostWebhookContext(ctx, cb.ResponseURL, msg); err == nil {
			return
		} else {
			a.log.Warn("could not answer through the response URL", "err", err)
		}
	}
	if err := a.dm(ctx, cb.User.ID, text, nil); err != nil {
		a.log.Error("could not reach a user privately", "user", cb.User.ID, "err", err)
	}
}
