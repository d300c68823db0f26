package slack

import (
	"context"
	"hash/fnv"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// This file is the bot's App Home: the Home tab, published for each person
// when they open it and again after they press one of its buttons, and the
// Messages tab, where words typed to the bot get an answer.

// homeBudget bounds building and publishing one person's Home tab.
const homeBudget = 15 * time.Second

// homeCallbackID names the Home view, so its button presses can be told
// from a modal's.
const homeCallbackID = "rapport_home"

// onEvent answers an Events API envelope: it is acknowledged at once, and
// what it asks for (publishing the Home tab, answering a message) is done
// after the ack, once, however often Slack delivers it.
func (a *Adapter) onEvent(ctx context.Context, received time.Time, req *socketmode.Request, ev slackevents.EventsAPIEvent) {
	var work func(ctx context.Context, ans *answered)
	switch inner := ev.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		if inner.Tab == "home" && inner.User != "" {
			user := inner.User
			work = func(ctx context.Context, ans *answered) {
				a.publishHome(ctx, user)
				ans.done()
			}
		}
	case *slackevents.MessageEvent:
		if a.answersMessage(inner) {
			msg := *inner
			work = func(ctx context.Context, ans *answered) { a.onMessage(ctx, &msg, ans) }
		}
	}
	if work == nil {
		// Another event, a message from a bot (this one included), an edit:
		// acknowledged so Slack does not retry, and ignored.
		a.ack(req.EnvelopeID, nil)
		return
	}
	eventID := ""
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		eventID = cb.EventID
	}
	a.serve(ctx, received, req, "events_api", nil, func(ctx context.Context, ans *answered) (any, func(context.Context)) {
		return nil, func(ctx context.Context) {
			// Should Slack send an event again under a new envelope, the
			// event's own ID says whether it has been handled.
			if eventID != "" {
				entry, first := a.seen.claim("event:"+eventID, a.now())
				if first {
					entry.finish(nil)
				}
				if !first || !a.claimShared(ctx, "event:"+eventID) {
					a.log.Info("Slack event delivered again; ignored", "event_id", eventID)
					return
				}
			}
			work(ctx, ans)
		}
	})
}

// answersMessage reports whether a message event is a person writing to
// the bot in its Messages tab: a new message (no subtype, so not an edit,
// a deletion or a bot's post) in a direct message, from someone other than
// a bot.
func (a *Adapter) answersMessage(m *slackevents.MessageEvent) bool {
	return m.ChannelType == slackevents.ChannelTypeIM && m.SubType == "" && m.BotID == "" &&
		m.User != "" && m.User != a.botUserID && strings.TrimSpace(m.Text) != ""
}

// onMessage answers words typed to the bot in its Messages tab, in that
// conversation.
func (a *Adapter) onMessage(ctx context.Context, m *slackevents.MessageEvent, ans *answered) {
	u := bot.User{Platform: Platform, ID: m.User}
	text := commandText(m.Text)
	o := origin{user: m.User, channel: m.Channel, im: true, answered: ans}
	if r := a.chat.Typed(ctx, u, text); r != nil {
		a.carry(ctx, o, r)
	}
}

// offerForm answers, in a conversation, a request for a form: Slack opens
// a form only from a button or a command, so the answer says how to open
// it. (Chat.Typed answers words that ask for a form with a button that
// opens it; this covers a form that later work asks for.)
func (a *Adapter) offerForm(ctx context.Context, o origin) {
	text, blocks := renderMessage(bot.Say("I can't open a form from a message. Please type ", bot.Cmd(), " in any channel to open it."))
	a.tell(ctx, o, false, text, blocks)
}

// homePress is a press in the Home tab, being carried out.
type homePress struct {
	// shown says the reply has been shown as the Home tab already.
	shown bool
}

// thenPublishHome returns after followed by publishing the person's Home
// tab, so that it shows what their press changed, unless the reply
// already showed itself there (press, which may be nil, says so).
func (a *Adapter) thenPublishHome(after func(context.Context), userID string, press *homePress) func(context.Context) {
	return func(ctx context.Context) {
		if after != nil {
			after(ctx)
		}
		if press == nil || !press.shown {
			a.publishHome(ctx, userID)
		}
	}
}

// publishHome publishes the person's Home tab, as Chat.Home has it now.
func (a *Adapter) publishHome(ctx context.Context, userID string) {
	if a.chat == nil || userID == "" {
		return
	}
	a.showHome(ctx, userID, func(ctx context.Context) *bot.Message {
		return a.chat.Home(ctx, bot.User{Platform: Platform, ID: userID})
	})
}

// showHome publishes the message home returns as the person's Home tab.
// One person's publishes run one at a time, each reading the state
// afresh, so that the last published is the newest.
func (a *Adapter) showHome(ctx context.Context, userID string, home func(context.Context) *bot.Message) {
	ctx, cancel := context.WithTimeout(ctx, homeBudget)
	defer cancel()
	h := fnv.New32a()
	_, _ = h.Write([]byte(userID))
	mu := &a.homeMu[h.Sum32()%uint32(len(a.homeMu))]
	mu.Lock()
	defer mu.Unlock()
	m := home(ctx)
	if m == nil {
		return
	}
	if _, err := a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: renderHome(m)}); err != nil {
		a.log.Warn("could not publish the Home tab", "user", userID, "err", err)
	}
}

// fromHome reports whether an interaction came from the Home tab.
func fromHome(cb slack.InteractionCallback) bool {
	return cb.View.Type == slack.VTHomeTab || cb.View.CallbackID == homeCallbackID
}
