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

// introEventType tags intro messages in Slack's message metadata, so that
// a send interrupted before it was recorded can be found rather than
// repeated. Follow-ups and notices are tagged likewise with their outbox
// message's ID.
const (
	introEventType    = "rapport_intro"
	followUpEventType = "rapport_followup"
	noticeEventType   = "rapport_notice"
)

// Action IDs of the intro and follow-up buttons. Values carry the intro ID.
const (
	actionIntroArranged = "intro_arranged"
	actionIntroPause    = "intro_pause"
	actionIntroBlock    = "intro_block"
	actionFollowYes     = "followup_yes"
	actionFollowNotYet  = "followup_not_yet"
	actionFollowNo      = "followup_no"
)

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

// Deliverer returns the bot.Deliverer that sends intros, follow-ups and
// notices through this workspace, paced to Slack's limits. pause is the
// bot.Delivery's pause after a 429, which every send waits out; nil
// means none is shared.
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
	im   map[string]string // user -> their DM with the bot
}

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

func (d *deliverer) post(ctx context.Context, channel string, opts ...slack.MsgOption) (string, error) {
	if err := d.pace.waitPost(ctx, channel); err != nil {
		return "", err
	}
	_, ts, err := d.a.deliveryAPI.PostMessageContext(ctx, channel, opts...)
	return ts, err
}

// SendIntro opens the group conversation and posts the intro, tagged with
// its ID. On a resumed send it first looks through the conversation's
// recent messages for the tag.
func (d *deliverer) SendIntro(ctx context.Context, in *bot.Intro, resume bool) (string, string, error) {
	var users []string
	for _, im := range in.Members {
		if !im.Unreachable && im.Member.Status == bot.StatusActive {
			users = append(users, im.Member.UserID)
		}
	}
	channel := in.ChannelID
	if channel == "" {
		ch, err := d.open(ctx, users)
		if err != nil {
			return "", "", d.classify(ctx, err, users)
		}
		channel = ch
	}
	if resume {
		ts, err := d.findIntro(ctx, channel, in.ID)
		if err != nil {
			return channel, "", d.classify(ctx, err, users)
		}
		if ts != "" {
			d.a.log.Info("intro was already sent; recording it", "intro", in.ID)
			return channel, ts, nil
		}
	}
	text, blocks := introMessage(in)
	ts, err := d.post(ctx, channel,
		slack.MsgOptionText(fallback(text), false),
		slack.MsgOptionBlocks(blocks...),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: introEventType, EventPayload: map[string]any{"intro_id": strconv.FormatInt(in.ID, 10)}}),
	)
	if err != nil {
		return channel, "", d.classify(ctx, err, users)
	}
	return channel, ts, nil
}

// findIntro returns the timestamp of the intro's message in channel, or ""
// when it is not there.
func (d *deliverer) findIntro(ctx context.Context, channel string, introID int64) (string, error) {
	return d.findTagged(ctx, channel, introEventType, "intro_id", introID)
}

// findTagged returns the timestamp of the bot's message in channel whose
// metadata has the event type and key = id, or "" when none of the recent
// messages has.
func (d *deliverer) findTagged(ctx context.Context, channel, eventType, key string, id int64) (string, error) {
	want := strconv.FormatInt(id, 10)
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
		if m.Metadata.EventType == eventType && fmt.Sprint(m.Metadata.EventPayload[key]) == want {
			return m.Timestamp, nil
		}
	}
	return "", nil
}

// dmOnce posts a direct message to user tagged with the outbox message's
// ID. A resumed attempt first looks for the tag in the conversation, and
// posts nothing if an earlier attempt's message is there.
func (d *deliverer) dmOnce(ctx context.Context, at bot.Attempt, user, eventType string, text md, blocks []slack.Block) error {
	users := []string{user}
	ch, err := d.open(ctx, users)
	if err != nil {
		return d.classify(ctx, err, users)
	}
	if at.Resume {
		ts, err := d.findTagged(ctx, ch, eventType, "outbox_id", at.OutboxID)
		if err != nil {
			return d.classify(ctx, err, users)
		}
		if ts != "" {
			d.a.log.Info("message was already sent; recording it", "outbox", at.OutboxID, "kind", eventType)
			return nil
		}
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(fallback(text), false),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: eventType, EventPayload: map[string]any{"outbox_id": strconv.FormatInt(at.OutboxID, 10)}}),
	}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	if _, err := d.post(ctx, ch, opts...); err != nil {
		return d.classify(ctx, err, users)
	}
	return nil
}

// SendFollowUp asks a member, in their DM with the bot, whether they met.
func (d *deliverer) SendFollowUp(ctx context.Context, at bot.Attempt, in *bot.Intro, m *bot.IntroMember, second bool) error {
	text, blocks := followUpMessage(in, m, second)
	return d.dmOnce(ctx, at, m.Member.UserID, followUpEventType, text, blocks)
}

// SendNotice renders a notice and sends it as a DM.
func (d *deliverer) SendNotice(ctx context.Context, at bot.Attempt, n *bot.NoticeMessage) error {
	text, blocks := noticeContent(n, d.a.loc)
	return d.dmOnce(ctx, at, n.UserID, noticeEventType, text, blocks)
}

// noticeContent renders a notice: meetup notices with the meetup's
// details and a way to give up the place, the rest as their words,
// escaped like any text.
func noticeContent(n *bot.NoticeMessage, loc *time.Location) (md, []slack.Block) {
	switch n.Kind {
	case bot.NoticeMeetupPromoted:
		return promotedMessage(n.Meetup, loc)
	case bot.NoticeMeetupChanged:
		return changedMessage(&bot.MeetupChange{Before: &bot.Meetup{Title: n.TitleBefore}, After: n.Meetup, Changed: n.Changed}, loc)
	case bot.NoticeMeetupCancelled:
		return cancelledMessage(n.Meetup, loc), nil
	case bot.NoticeMeetupReminder:
		return reminderMessage(bot.DueReminder{MeetupReminder: bot.MeetupReminder{MeetupID: n.Meetup.ID, Kind: n.Reminder}, Meetup: n.Meetup}, loc)
	}
	return esc(n.Text), nil
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

// introMessage renders an intro: who each person is, why they were
// introduced, a first question and who might start.
func introMessage(in *bot.Intro) (md, []slack.Block) {
	var names []string
	var people []md
	var starter string
	for _, im := range in.Members {
		m := im.Member
		if im.Unreachable || m.Status != bot.StatusActive {
			continue
		}
		names = append(names, m.Name)
		where := mdf("%s · %s", m.Profile.Organisation, bot.Label(bot.Sectors, m.Profile.Sector))
		if m.Profile.Role != "" && m.Profile.Role != "other" {
			where = mdf("%s, %s", bot.Label(bot.Roles, m.Profile.Role), where)
		}
		line := mdf("*%s* (%s)\n%s", m.Name, mention(m.UserID), where)
		if m.Profile.Bio != "" {
			line += mdf("\n_%s_", m.Profile.Bio)
		}
		people = append(people, line)
		if m.ID == in.StarterID {
			starter = m.UserID
		}
	}
	title := "Meet " + andList(names)
	b := messageBlocks().header(title)
	for _, p := range people {
		b.section(p)
	}
	why := esc(in.Explanation)
	if why == "" {
		why = "You work in different parts of the network, which is reason enough."
	}
	b.divider().section("*Why we introduced you*\n" + why)
	if in.Question != "" {
		b.section("*A first question*\n" + esc(in.Question))
	}
	if starter != "" {
		you := "you both"
		if len(names) > 2 {
			you = "you all"
		}
		b.section(mdf("%s, would you start? Suggest a time that suits %s, %s.", mention(starter), you, howToMeet(in)))
	}
	id := strconv.FormatInt(in.ID, 10)
	arranged := button(actionIntroArranged, id, "We've arranged to meet")
	arranged.Style = slack.StylePrimary
	pause := button(actionIntroPause, id, "Pause my intros")
	block := button(actionIntroBlock, id, "Not a good match")
	block.Confirm = slack.NewConfirmationBlockObject(plain("Not a good match?"),
		plain("We won't introduce you to each other again. Nobody else is told."), plain("Yes"), plain("Cancel"))
	b.actions("intro", arranged, pause, block).
		context("", "Rapport introduces people across the network, at the pace each person chose. Reply here to say hello.")
	return mdf("%s. %s", title, in.Explanation), b.done()
}

// howToMeet suggests a way of meeting that suits everyone's preference.
func howToMeet(in *bot.Intro) string {
	inPerson, video := true, true
	for _, im := range in.Members {
		switch im.Member.Profile.Meeting {
		case "in_person":
			video = false
		case "video":
			inPerson = false
		}
	}
	switch {
	case inPerson && !video:
		return "in person (a coffee or a walk works well)"
	case video && !inPerson:
		return "on a video call"
	}
	return "in person or on a video call"
}

// followUpMessage asks one member whether they met the others.
func followUpMessage(in *bot.Intro, m *bot.IntroMember, second bool) (md, []slack.Block) {
	var others []string
	for _, o := range in.Members {
		if o.Member.ID != m.Member.ID && !o.Unreachable {
			others = append(others, o.Member.Name)
		}
	}
	q := mdf("Did you meet %s?", andList(others))
	if second {
		q = mdf("Still hoping to meet %s? Did you manage it?", andList(others))
	}
	id := strconv.FormatInt(in.ID, 10)
	yes := button(actionFollowYes, id, "Yes")
	yes.Style = slack.StylePrimary
	notYet := button(actionFollowNotYet, id, "Not yet")
	no := button(actionFollowNo, id, "No")
	return q, messageBlocks().
		section(q+"\nYour answer helps us make better introductions. Only Rapport sees it.").
		actions("followup", yes, notYet, no).
		done()
}

// andList joins names as "a, b and c".
func andList(xs []string) string {
	switch len(xs) {
	case 0:
		return "someone"
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// onIntroAction answers the buttons on intros and follow-ups.
func (a *Adapter) onIntroAction(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) (any, func(context.Context)) {
	if a.rounds == nil {
		return nil, nil
	}
	u := bot.User{Platform: Platform, ID: cb.User.ID}
	introID, _ := strconv.ParseInt(act.Value, 10, 64)
	var text md
	var replace bool
	switch act.ActionID {
	case actionIntroArranged:
		if _, _, err := a.rounds.Answer(ctx, u, introID, bot.AnswerArranged); err != nil {
			text = a.replyErr("arranged", err).Text
		} else {
			text = "Wonderful, enjoy meeting! We won't ask you whether you met."
		}
	case actionIntroPause:
		st, err := a.svc.Pause(ctx, u, nil)
		if err != nil {
			text = a.replyErr("pause", err).Text
		} else {
			text = pauseReply(st, a.loc).Text
		}
	case actionIntroBlock:
		in, err := a.rounds.NotAGoodMatch(ctx, u, introID)
		if err != nil {
			text = a.replyErr("block", err).Text
		} else {
			var others []string
			for _, o := range in.Members {
				if o.Member.UserID != u.ID {
					others = append(others, o.Member.Name)
				}
			}
			text = mdf("Thanks for telling us. We won't introduce you to %s again. Nobody else is told.", andList(others))
		}
	case actionFollowYes, actionFollowNotYet, actionFollowNo:
		answer := map[string]string{actionFollowYes: bot.AnswerYes, actionFollowNotYet: bot.AnswerNotYet, actionFollowNo: bot.AnswerNo}[act.ActionID]
		replace = true
		if _, askAgain, err := a.rounds.Answer(ctx, u, introID, answer); err != nil {
			text = a.replyErr("followup", err).Text
		} else {
			text = map[string]md{
				bot.AnswerYes:    "Thank you! Glad you met. We'll keep introducing you to new people.",
				bot.AnswerNotYet: "No problem: there's no rush. We'll check in once more before the round ends.",
				bot.AnswerNo:     "Thanks for letting us know. Not every introduction works out; your next one will be someone new.",
			}[answer]
			if answer == bot.AnswerNotYet && !askAgain {
				text = "No problem: there's no rush. If you do meet, we'd love to hear how it went in your next introduction."
			}
		}
	default:
		return nil, nil
	}
	return nil, func(ctx context.Context) {
		if replace {
			a.replace(ctx, cb, text)
			return
		}
		a.whisper(ctx, cb, text)
	}
}

// whisper answers the clicker alone, leaving the message as it is.
func (a *Adapter) whisper(ctx context.Context, cb slack.InteractionCallback, text md) {
	if cb.ResponseURL != "" {
		err := slack.PostWebhookContext(ctx, cb.ResponseURL, &slack.WebhookMessage{Text: fallback(text), ResponseType: slack.ResponseTypeEphemeral})
		if err == nil {
			return
		}
	}
	if _, err := a.api.PostEphemeralContext(ctx, cb.Channel.ID, cb.User.ID, slack.MsgOptionText(fallback(text), false)); err != nil {
		a.log.Warn("could not answer a button privately", "user", cb.User.ID, "err", err)
	}
}
