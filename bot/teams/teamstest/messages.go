package teamstest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// Message is an activity the bot posted, as a user sees it now: updates
// applied, and the card an invoke response showed that user in place of
// the posted one.
type Message struct {
	// ID is the activity ID the Connector returned.
	ID string
	// Conversation is the conversation ID the bot posted to (with
	// ";messageid=" for a reply in a channel thread).
	Conversation string
	// ReplyToID is the activity the message answered, if any.
	ReplyToID string
	// Thread is the root post of a channel reply, or "".
	Thread string
	// Activity is the activity as the bot sent it (or last updated it).
	Activity schema.Activity
	// Updated reports whether the bot updated the message.
	Updated bool
}

// Text returns the activity's text.
func (m Message) Text() string { return m.Activity.Text }

// Card returns the first Adaptive Card attachment as parsed JSON, or nil.
func (m Message) Card() map[string]any {
	for _, a := range m.Activity.Attachments {
		if a.ContentType == schema.ContentTypeAdaptiveCard || a.ContentType == schema.ContentTypeAdaptiveCardOld {
			var card map[string]any
			if json.Unmarshal(a.Content, &card) == nil {
				return card
			}
		}
	}
	return nil
}

// CardText returns the card as plain text (see CardText), or "".
func (m Message) CardText() string {
	card := m.Card()
	if card == nil {
		return ""
	}
	return CardText(card)
}

// Buttons returns every action of the card, including those in action
// sets and shown cards.
func (m Message) Buttons() []Button {
	card := m.Card()
	if card == nil {
		return nil
	}
	return buttons(card)
}

// Button returns the card's action with the title.
func (m Message) Button(title string) (Button, bool) {
	for _, b := range m.Buttons() {
		if b.Title == title {
			return b, true
		}
	}
	return Button{}, false
}

// Link returns the URL of the card's Action.OpenUrl with the title.
func (m Message) Link(title string) (string, error) {
	b, ok := m.Button(title)
	if !ok || b.Type != "Action.OpenUrl" {
		return "", fmt.Errorf("%w: link %q in message %s", ErrNotFound, title, m.ID)
	}
	return b.URL, nil
}

// Inputs returns the card's inputs, shown cards included, with their
// current values.
func (m Message) Inputs() []Input {
	card := m.Card()
	if card == nil {
		return nil
	}
	var out []Input
	walkCard(card, nil, func(el map[string]any, _ []map[string]any) {
		if t, _ := el["type"].(string); len(t) > 6 && t[:6] == "Input." {
			out = append(out, toInput(el))
		}
	}, func(map[string]any, []map[string]any) {})
	return out
}

// snapshotLocked returns m as forUser sees it (forUser may be "").
func snapshotLocked(m *message, forUser string) Message {
	act := cloneActivity(m.activity)
	if card, ok := m.overrides[forUser]; ok && forUser != "" {
		for i, a := range act.Attachments {
			if a.ContentType == schema.ContentTypeAdaptiveCard || a.ContentType == schema.ContentTypeAdaptiveCardOld {
				act.Attachments[i].Content = append(json.RawMessage(nil), card...)
				break
			}
		}
	}
	conv := ""
	if act.Conversation != nil {
		conv = act.Conversation.ID
	}
	return Message{ID: m.id, Conversation: conv, ReplyToID: m.replyTo, Thread: m.thread, Activity: act, Updated: m.updated}
}

func cloneActivity(a schema.Activity) schema.Activity {
	raw, _ := json.Marshal(a)
	var out schema.Activity
	_ = json.Unmarshal(raw, &out)
	return out
}

// Messages returns what the bot posted in u's personal chat, oldest
// first, as u sees it now (deleted messages left out).
func (u *User) Messages() []Message {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	conv := s.convs[u.chatID]
	if conv == nil {
		return nil
	}
	return visibleLocked(conv, u.ID)
}

func visibleLocked(conv *conversation, forUser string) []Message {
	var out []Message
	for _, m := range conv.messages {
		if !m.deleted {
			out = append(out, snapshotLocked(m, forUser))
		}
	}
	return out
}

// LastMessage returns the bot's latest message in u's personal chat.
func (u *User) LastMessage() (Message, bool) {
	all := u.Messages()
	if len(all) == 0 {
		return Message{}, false
	}
	return all[len(all)-1], true
}

// LastCard returns the bot's latest message with an Adaptive Card in u's
// personal chat.
func (u *User) LastCard() (Message, bool) {
	all := u.Messages()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Card() != nil {
			return all[i], true
		}
	}
	return Message{}, false
}

// WaitMessages waits until u's personal chat shows at least n messages
// and returns them.
func (u *User) WaitMessages(ctx context.Context, n int) ([]Message, error) {
	var out []Message
	err := u.s.Wait(ctx, func() bool {
		out = u.Messages()
		return len(out) >= n
	})
	return out, err
}

// Messages returns the bot's posts and replies in the channel, oldest
// first, as a user who has not pressed anything sees them.
func (ch *Channel) Messages() []Message { return ch.MessagesFor(nil) }

// MessagesFor returns the channel's messages as u sees them (with the
// cards u's own button presses brought).
func (ch *Channel) MessagesFor(u *User) []Message {
	s := ch.Team.s
	s.mu.Lock()
	defer s.mu.Unlock()
	id := ""
	if u != nil {
		id = u.ID
	}
	return visibleLocked(s.convs[ch.ID], id)
}

// WaitMessages waits until the channel shows at least n messages and
// returns them.
func (ch *Channel) WaitMessages(ctx context.Context, n int) ([]Message, error) {
	var out []Message
	err := ch.Team.s.Wait(ctx, func() bool {
		out = ch.Messages()
		return len(out) >= n
	})
	return out, err
}

// Message returns the bot's message with the ID wherever it is, as u
// sees it (u may be nil).
func (s *Server) Message(id string, u *User) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	uid := ""
	if u != nil {
		uid = u.ID
	}
	for _, conv := range s.convs {
		if m := findMessage(conv, id); m != nil {
			return snapshotLocked(m, uid), true
		}
	}
	return Message{}, false
}
