package slack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// Event types of the tags in Slack's message metadata that let a send
// interrupted before it was recorded be found rather than repeated. An
// intro is tagged with its intro's ID, a follow-up and a notice with their
// outbox message's.
const (
	introEventType    = "rapport_intro"
	followUpEventType = "rapport_followup"
	noticeEventType   = "rapport_notice"
)

// tag returns the metadata event type and key that tag an attempt.
func tag(at bot.Attempt) (eventType, key string) {
	switch at.Kind {
	case bot.OutboxIntro:
		return introEventType, "intro_id"
	case bot.OutboxFollowUp:
		return followUpEventType, "outbox_id"
	}
	return noticeEventType, "outbox_id"
}

// permanentErrors are Slack errors about a message or its recipients that
// no retry will change.
var permanentErrors = []string{
	"user_not_found", "users_not_found", "account_inactive", "cannot_dm_bot",
	"user_disabled", "user_is_bot", "channel_not_found", "too_many_users", "is_archived",
}

// setupErrors mean the app itself is misconfigured (a revoked token, a
// missing scope): no message can go until an admin fixes it, so sending
// pauses rather than throwing intros away.
var setupErrors = []string{"not_authed", "invalid_auth", "token_revoked", "token_expired", "missing_scope", "not_allowed_token_type"}

// setupPause is how long sending waits after a setup error before trying
// again.
const setupPause = 5 * time.Minute

// Deliverer returns the bot.Deliverer that carries the outbox's messages
// through this workspace, paced to Slack's limits. pause is Slack's pause
// after a 429, which the bot.Delivery holds and every send waits out; nil
// makes one of its own.
func (a *Adapter) Deliverer(pause *bot.Pause) bot.Deliverer {
	if pause == nil {
		pause = &bot.Pause{}
	}
	return &deliverer{a: a, pace: newPacer(a.limits, pause)}
}

type deliverer struct {
	a    *Adapter
	pace *pacer
	mu   sync.Mutex
	im   map[string]string // users -> their conversation with the bot
}

// Pause is the pause after a 429 that the deliverer's pacing waits out.
func (d *deliverer) Pause() *bot.Pause { return d.pace.pause }

// open returns the conversation with users, opening it (paced) once.
func (d *deliverer) open(ctx context.Context, users []string) (string, error) {
	key := strings.Join(users, ",")
	d.mu.Lock()
	if ch, ok := d.im[key]; ok {
		d.mu.Unlock()
		return ch, nil
	}
	d.mu.Unlock()
	if err := d.pace.waitOpen(ctx); err != nil {
		return "", err
	}
	ch, _, _, err := d.a.deliveryAPI.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: users, ReturnIM: true})
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	if d.im == nil {
		d.im = map[string]string{}
	}
	d.im[key] = ch.ID
	d.mu.Unlock()
	return ch.ID, nil
}

// PostGroup opens the conversation of users, unless channelID is known
// already, and posts m there tagged with the attempt. A resumed attempt
// first looks through the conversation's recent messages for the tag.
func (d *deliverer) PostGroup(ctx context.Context, at bot.Attempt, users []string, channelID string, m *bot.Message) (string, string, error) {
	channel := channelID
	if channel == "" {
		ch, err := d.open(ctx, users)
		if err != nil {
			return "", "", d.classify(ctx, err, users)
		}
		channel = ch
	}
	eventType, key := tag(at)
	id := strconv.FormatInt(at.Tag, 10)
	if at.Resume {
		ts, err := d.findTagged(ctx, channel, eventType, key, id)
		if err != nil {
			return channel, "", d.classify(ctx, err, users)
		}
		if ts != "" {
			d.a.log.Info("message was already sent; recording it", "kind", eventType, "tag", at.Tag)
			return channel, ts, nil
		}
	}
	text, blocks := renderMessage(m)
	if err := d.pace.waitPost(ctx, channel); err != nil {
		return channel, "", err
	}
	_, ts, err := d.a.deliveryAPI.PostMessageContext(ctx, channel,
		slack.MsgOptionText(text, false),
		slack.MsgOptionBlocks(blocks...),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: eventType, EventPayload: map[string]any{key: id}}),
	)
	if err != nil {
		return channel, "", d.classify(ctx, err, users)
	}
	return channel, ts, nil
}

// DM posts m in the user's conversation with the bot, tagged with the
// attempt; a resumed attempt posts nothing when the tag is there.
func (d *deliverer) DM(ctx context.Context, at bot.Attempt, userID string, m *bot.Message) error {
	_, _, err := d.PostGroup(ctx, at, []string{userID}, "", m)
	return err
}

// findTagged returns the timestamp of the bot's message in channel whose
// metadata has the event type and key = id, or "" when none of the recent
// messages has.
func (d *deliverer) findTagged(ctx context.Context, channel, eventType, key, id string) (string, error) {
	// A 429's Retry-After holds every call, this look-up too.
	if err := d.pace.waitBlocked(ctx); err != nil {
		return "", err
	}
	res, err := d.a.deliveryAPI.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: channel, Limit: 50, IncludeAllMetadata: true,
	})
	if err != nil {
		return "", err
	}
	for _, m := range res.Messages {
		if m.Metadata.EventType == eventType && fmt.Sprint(m.Metadata.EventPayload[key]) == id {
			return m.Timestamp, nil
		}
	}
	return "", nil
}

// classify turns a Slack error into a bot.DeliveryError: a 429 pauses
// everything, an error that will not change is permanent (and, when it is
// about people, says who cannot be reached), and the rest are retried.
func (d *deliverer) classify(ctx context.Context, err error, users []string) error {
	var rl *slack.RateLimitedError
	var se slack.SlackErrorResponse
	var sc slack.StatusCodeError
	var ne net.Error
	switch {
	case errors.As(err, &rl):
		// The Delivery holds its pause for everyone; the pacing here waits
		// on the same pause.
		return &bot.DeliveryError{RetryAfter: rl.RetryAfter, Err: err}
	case slackErrorIs(err, setupErrors...):
		d.a.log.Error("Slack refused the bot token or a permission is missing; delivery paused. Check SLACK_BOT_TOKEN and the app's scopes (README, Slack permissions).", "err", err)
		return &bot.DeliveryError{RetryAfter: setupPause, Err: err}
	case errors.As(err, &se) && slices.Contains(permanentErrors, se.Err), slices.Contains(permanentErrors, err.Error()):
		gone, err2 := d.unreachable(ctx, users)
		var rl2 *slack.RateLimitedError
		switch {
		case errors.As(err2, &rl2):
			return &bot.DeliveryError{RetryAfter: rl2.RetryAfter, Err: err2}
		case slackErrorIs(err2, setupErrors...), slackErrorIs(err2, permanentErrors...):
			// users.info itself is refused: the app, not a member, is at
			// fault.
			d.a.log.Error("Slack refused users.info while checking who can be reached; delivery paused", "err", err2)
			return &bot.DeliveryError{RetryAfter: setupPause, Err: err2}
		case err2 != nil:
			// Who is unreachable is not known yet: try again later rather
			// than fail the intro.
			return err2
		}
		return &bot.DeliveryError{Permanent: true, Unreachable: gone, Err: err}
	case errors.As(err, &sc), errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return err
}

// unreachable asks Slack which of users cannot receive messages. It
// returns an error when Slack could not say (a 429, a 5xx, a setup error).
func (d *deliverer) unreachable(ctx context.Context, users []string) ([]string, error) {
	var out []string
	for _, u := range users {
		if err := d.pace.waitBlocked(ctx); err != nil {
			return nil, err
		}
		info, err := d.a.deliveryAPI.GetUserInfoContext(ctx, u)
		switch {
		case slackErrorIs(err, "user_not_found", "users_not_found"):
			out = append(out, u)
		case err != nil:
			return nil, err
		case info.Deleted || info.IsBot:
			out = append(out, u)
		}
	}
	return out, nil
}
