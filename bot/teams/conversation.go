package teams

import (
	"context"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// origin is where an activity came from, which is where its answers go.
type origin struct {
	user       bot.User
	serviceURL string
	// conversationID is the conversation the activity came in.
	conversationID string
	personal       bool
	// channelID is the team channel, for an activity in one.
	channelID string
	// replyToID is the message whose card button was pressed.
	replyToID string
	// answered records when the person got their reply; nil records
	// nothing.
	answered *answered
}

func (a *Adapter) originOf(act *schema.Activity, acct *bot.Account) origin {
	o := origin{user: a.user(act, acct), serviceURL: act.ServiceURL, replyToID: act.ReplyToID}
	if act.Conversation != nil {
		o.conversationID = act.Conversation.ID
		o.personal = act.Conversation.ConversationType == schema.ConversationPersonal ||
			(act.Conversation.ConversationType == "" && !act.Conversation.IsGroup)
	}
	if cd := act.ChannelData; cd != nil && cd.Channel != nil {
		o.channelID = cd.Channel.ID
	}
	return o
}

// remember records what the activity tells of the person it comes from:
// how to reach them, and, the first time, their sign-in name from the
// member lookup (chat links name people by it, and admins may be named by
// it). It returns the account as stored, or nil when it could not be
// read.
func (a *Adapter) remember(ctx context.Context, act *schema.Activity) *bot.Account {
	if act.From == nil || !strings.HasPrefix(act.From.ID, "29:") || a.store == nil {
		return nil
	}
	acct, err := a.store.FindAccount(ctx, Platform, act.From.ID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		acct, err = &bot.Account{Platform: Platform, UserID: act.From.ID}, nil
	}
	if err != nil {
		a.log.Warn("could not read a Teams account", "err", err)
		return nil
	}
	next := *acct
	next.ObjectID = firstOf(act.From.AADObjectID, acct.ObjectID)
	next.TenantID = firstOf(tenantOf(act), acct.TenantID, a.tenantID)
	next.ServiceURL = firstOf(act.ServiceURL, acct.ServiceURL)
	if act.Conversation != nil && act.Conversation.ConversationType == schema.ConversationPersonal {
		next.ConversationID = act.Conversation.ID
	}
	if next.PrincipalName == "" && a.conn != nil && act.Conversation != nil {
		lctx, cancel := context.WithTimeout(ctx, time.Second)
		m, err := a.conn.Member(lctx, act.ServiceURL, act.Conversation.ID, act.From.ID)
		cancel()
		if err != nil {
			a.log.Warn("could not look up a Teams member", "err", err)
		} else {
			next.PrincipalName = m.UserPrincipalName
			next.ObjectID = firstOf(next.ObjectID, m.ObjectID)
		}
	}
	if next != *acct {
		next.UpdatedAt = a.now()
		if err := a.store.SaveAccount(ctx, next); err != nil {
			a.log.Warn("could not save a Teams account", "err", err)
		}
	}
	return &next
}

func tenantOf(act *schema.Activity) string {
	if act.ChannelData != nil && act.ChannelData.Tenant != nil {
		return act.ChannelData.Tenant.ID
	}
	if act.Conversation != nil {
		return act.Conversation.TenantID
	}
	return ""
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// onMessage answers a message typed to the bot: a command, in a personal
// chat or with an @mention in a channel. An old client's card button
// arrives as a message with a value.
func (a *Adapter) onMessage(ctx context.Context, act *schema.Activity) func(context.Context) {
	acct := a.remember(ctx, act)
	o := a.originOf(act, acct)
	o.answered = answeredIn(ctx)
	if len(act.Value) > 0 && string(act.Value) != "null" {
		_, after := a.onCardAction(ctx, o, act.Value, false)
		return after
	}
	text := commandText(act.Text)
	if !o.personal && isMeetupsHere(text) {
		return a.meetupsHere(ctx, o, act)
	}
	command, rest := splitCommand(text)
	r := a.chat.Command(ctx, o.user, command, rest)
	return func(ctx context.Context) { a.carry(ctx, o, r) }
}

var (
	mentionTag = regexp.MustCompile(`(?s)<at[^>]*>.*?</at>`)
	anyTag     = regexp.MustCompile(`(?s)<[^>]+>`)
)

// commandText is what the person typed, without the @mention of the bot,
// markup or a leading slash.
func commandText(s string) string {
	s = mentionTag.ReplaceAllString(s, " ")
	s = anyTag.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	s = strings.Join(strings.Fields(bot.CleanText(s)), " ")
	return strings.TrimPrefix(s, "/")
}

// greetings are answered with help: someone saying hello to the bot wants
// to know what it does.
var greetings = map[string]bool{"": true, "hi": true, "hello": true, "hey": true, "start": true, "?": true}

// splitCommand turns typed text into the core's command and the words
// after it. "meetup …" is the meetup command; "introduce-me …" and
// anything else are the main command, whose subcommands can be typed
// alone ("status", "pause 2 weeks").
func splitCommand(text string) (command, rest string) {
	first, after, _ := strings.Cut(text, " ")
	word := strings.ToLower(strings.TrimPrefix(first, "/"))
	main := strings.TrimPrefix(bot.CommandName, "/")
	meetup := strings.TrimPrefix(bot.MeetupCommandName, "/")
	switch {
	case word == main:
		return main, after
	case word == meetup || word == meetup+"s" && after != "here":
		return meetup, after
	case greetings[strings.ToLower(text)]:
		return main, "help"
	}
	return main, text
}

func isMeetupsHere(text string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(text), " "), "meetups here")
}

// meetupsHere chooses the channel meetups are announced in, for an admin
// who typed "@Rapport meetups here" there.
func (a *Adapter) meetupsHere(ctx context.Context, o origin, act *schema.Activity) func(context.Context) {
	channel := o.channelID
	if channel == "" {
		// A channel thread's conversation ID carries ";messageid=…".
		channel, _, _ = strings.Cut(o.conversationID, ";")
	}
	msg := bot.MeetupsHereRefusedMessage()
	if a.chat.Service != nil && a.chat.Service.IsAdmin != nil && a.chat.Service.IsAdmin(o.user) {
		if err := a.store.SetAnnounceChannel(ctx, Platform, channel, act.ServiceURL, a.now()); err != nil {
			a.log.Error("could not record the meetup channel", "err", err)
			msg = bot.Say(bot.SlowMessage)
		} else {
			a.log.Info("Teams meetup channel chosen", "user", o.user.ID)
			msg = bot.MeetupsHereMessage()
		}
	}
	return func(ctx context.Context) {
		if err := a.replyIn(ctx, a.conn, o.serviceURL, o.conversationID, act.ID, msg); err != nil {
			a.log.Error("could not answer in a channel", "err", err)
		}
	}
}

// onInvoke answers a card button (Universal Actions) or a dialog.
func (a *Adapter) onInvoke(ctx context.Context, act *schema.Activity) ([]byte, func(context.Context)) {
	switch act.Name {
	case schema.InvokeAdaptiveCardAction:
		var v schema.AdaptiveCardInvokeValue
		if err := json.Unmarshal(act.Value, &v); err != nil {
			return invokeError(400, "malformed action"), nil
		}
		acct := a.remember(ctx, act)
		o := a.originOf(act, acct)
		o.answered = answeredIn(ctx)
		return a.onCardAction(ctx, o, v.Action.Data, true)
	case schema.InvokeTaskFetch, schema.InvokeTaskSubmit:
		// Rapport's cards open no dialogs; an old card that asks for one
		// is told what to do instead.
		b, _ := json.Marshal(schema.TaskModuleResponse{Task: &schema.TaskModuleTask{Type: "message", Value: "Please type help to see what I can do."}})
		return b, nil
	}
	return nil, nil
}

// onCardAction answers a pressed card button or a submitted card form.
// invoke says the answer goes in the invoke's response (Universal
// Actions); an old client's Action.Submit has only the messages after.
func (a *Adapter) onCardAction(ctx context.Context, o origin, data json.RawMessage, invoke bool) ([]byte, func(context.Context)) {
	cd, err := parseCardData(data)
	if err != nil {
		a.log.Warn("could not read a Teams card action", "err", err)
		return a.sorry(o, invoke, bot.UnreadableActionMessage)
	}
	if cd.Form != "" {
		return a.onSubmit(ctx, o, cd, invoke)
	}
	r := a.chat.Action(ctx, o.user, cd.Action, cd.Value)
	if ctx.Err() != nil {
		r = bot.Slow()
	}
	if r == nil {
		return nil, nil
	}
	// A private answer that replaces the card goes in the invoke's
	// response, in a personal chat; a card in a channel belongs to
	// everyone, so the answer goes to the person alone instead.
	if invoke && o.personal && r.Answer != nil && r.Replace {
		cards := messageCards(r.Answer)
		rest := *r
		rest.Answer = nil
		return invokeCard(cards[0]), func(ctx context.Context) {
			// The rest of an answer too long for one card follows it.
			for _, c := range cards[1:] {
				if _, err := a.conn.Send(ctx, o.serviceURL, o.conversationID, cardActivity(c, r.Answer)); err != nil {
					a.log.Error("could not answer in a personal chat", "err", err)
					break
				}
			}
			a.carry(ctx, o, &rest)
		}
	}
	return nil, func(ctx context.Context) { a.carry(ctx, o, r) }
}

// onSubmit answers a form card's Submit or Cancel: problems come back in
// the card, beside their inputs, with what the person typed.
func (a *Adapter) onSubmit(ctx context.Context, o origin, cd cardData, invoke bool) ([]byte, func(context.Context)) {
	if cd.Cancel {
		closed := messageCards(bot.Say(bot.FormClosedMessage))[0]
		if invoke {
			return invokeCard(closed), nil
		}
		return nil, func(ctx context.Context) { a.replace(ctx, o, closed) }
	}
	shape := a.chat.ReopenForm(ctx, o.user, cd.Form, cd.Ref)
	if shape == nil {
		return a.sorry(o, invoke, bot.SlowMessage)
	}
	values := formValues(shape, cd.Inputs)
	r := a.chat.Submit(ctx, o.user, cd.Form, cd.Ref, values)
	if ctx.Err() != nil {
		r = bot.SubmitTimedOut(cd.Form)
	}
	if r == nil {
		r = &bot.Reply{}
	}
	if len(r.Errors) > 0 {
		card := formCard(shape, values, r.Errors)
		if invoke {
			return invokeCard(card), nil
		}
		return nil, func(ctx context.Context) { a.replace(ctx, o, card) }
	}
	done := messageCards(bot.Say(bot.FormSavedMessage))[0]
	if invoke {
		return invokeCard(done), func(ctx context.Context) { a.carry(ctx, o, r) }
	}
	return nil, func(ctx context.Context) {
		a.replace(ctx, o, done)
		a.carry(ctx, o, r)
	}
}

func invokeError(status int, text string) []byte {
	b, _ := json.Marshal(schema.AdaptiveCardInvokeResponse{StatusCode: status, Type: schema.ContentTypeError,
		Value: map[string]string{"code": "BadRequest", "message": text}})
	return b
}

// sorry answers a card action that cannot be carried out: in the invoke's
// answer, or, for an old client's Action.Submit, which has none, in the
// person's chat.
func (a *Adapter) sorry(o origin, invoke bool, text string) ([]byte, func(context.Context)) {
	if invoke {
		return invokeMessage(text), nil
	}
	return nil, func(ctx context.Context) { a.tell(ctx, o, false, bot.Say(text)) }
}
