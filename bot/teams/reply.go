package teams

import (
	"context"
	"errors"
	"fmt"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// carry carries out a reply after Teams has been answered, and the
// replies of its later work in turn.
func (a *Adapter) carry(ctx context.Context, o origin, r *bot.Reply) {
	for r != nil {
		if r.Form != nil {
			a.openForm(ctx, o, r.Form)
		}
		if r.Answer != nil {
			a.tell(ctx, o, r.Replace, r.Answer)
		}
		for _, m := range r.DMs {
			if err := a.sendDM(ctx, a.conn, o.user.ID, m); err != nil {
				a.log.Error("could not send a direct message", "err", err)
				if r.DMFailed != nil && o.personal {
					a.tell(ctx, o, false, r.DMFailed)
				}
				break
			}
		}
		if r.Form != nil || r.Answer != nil || len(r.DMs) > 0 {
			o.answered.done()
		}
		for _, n := range r.Notify {
			if err := a.sendDM(ctx, a.conn, n.UserID, n.Message); err != nil {
				a.log.Error("could not send a direct message", "err", err)
			}
		}
		if r.Later == nil {
			return
		}
		r = r.Later(ctx)
	}
}

// tell answers the person privately: in their personal chat with the
// bot, in place of the card they pressed when replace is set.
func (a *Adapter) tell(ctx context.Context, o origin, replace bool, m *bot.Message) {
	if !o.personal {
		if err := a.sendDM(ctx, a.conn, o.user.ID, m); err != nil {
			a.log.Error("could not reach a user privately", "err", err)
		}
		return
	}
	cards := messageCards(m)
	if replace && o.replyToID != "" {
		a.replace(ctx, o, cards[0])
		cards = cards[1:]
	}
	for _, c := range cards {
		if _, err := a.conn.Send(ctx, o.serviceURL, o.conversationID, cardActivity(c, m)); err != nil {
			a.log.Error("could not answer in a personal chat", "err", err)
			return
		}
	}
}

// replace puts card in place of the card whose button was pressed.
func (a *Adapter) replace(ctx context.Context, o origin, card schema.Attachment) {
	if o.replyToID == "" || !o.personal {
		return
	}
	if err := a.conn.Update(ctx, o.serviceURL, o.conversationID, o.replyToID, cardActivity(card, nil)); err != nil {
		a.log.Warn("could not replace a card", "err", err)
	}
}

// openForm shows a form as a card in the person's personal chat: Teams
// has no modal, and the card stays until it is submitted.
func (a *Adapter) openForm(ctx context.Context, o origin, f *bot.FormOpen) {
	form := f.Ready
	if form == nil {
		form = f.Load(ctx)
	}
	card := formCard(form, nil, nil)
	var err error
	if o.personal {
		_, err = a.conn.Send(ctx, o.serviceURL, o.conversationID, cardActivity(card, nil))
	} else {
		err = a.sendCards(ctx, a.conn, o.user.ID, []schema.Attachment{card}, nil)
	}
	if err != nil {
		a.log.Warn("could not show a form", "err", err)
		if f.Failed != nil && o.personal {
			a.tell(ctx, o, false, f.Failed)
		}
	}
}

// replyIn answers in a conversation, in the thread of activity replyTo
// when it is a channel's.
func (a *Adapter) replyIn(ctx context.Context, c *Connector, serviceURL, conversationID, replyTo string, m *bot.Message) error {
	for _, card := range messageCards(m) {
		if _, err := c.Reply(ctx, serviceURL, conversationID, replyTo, cardActivity(card, m)); err != nil {
			return err
		}
	}
	return nil
}

// sendDM sends m to a user in their personal chat with the bot, opening
// it when there is none yet.
func (a *Adapter) sendDM(ctx context.Context, c *Connector, userID string, m *bot.Message) error {
	for _, part := range a.deliverable(ctx, userID, m) {
		if err := a.sendCards(ctx, c, userID, messageCards(part), part); err != nil {
			return err
		}
	}
	return nil
}

func (a *Adapter) sendCards(ctx context.Context, c *Connector, userID string, cards []schema.Attachment, m *bot.Message) error {
	acct, err := a.conversation(ctx, c, userID)
	if err != nil {
		return err
	}
	for _, card := range cards {
		if _, err := c.Send(ctx, acct.ServiceURL, acct.ConversationID, cardActivity(card, m)); err != nil {
			return err
		}
	}
	return nil
}

// errNoAccount means Rapport has never heard from the user in Teams, so
// has no way to write to them.
var errNoAccount = errors.New("no Teams conversation with this user is known")

// conversation returns the user's account with their personal
// conversation, creating the conversation when there is none yet (the
// bot may write first to someone in a team it was added to).
func (a *Adapter) conversation(ctx context.Context, c *Connector, userID string) (*bot.Account, error) {
	acct, err := a.store.FindAccount(ctx, Platform, userID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil, errNoAccount
	} else if err != nil {
		return nil, err
	}
	if acct.ConversationID != "" {
		return acct, nil
	}
	if acct.ServiceURL == "" {
		return nil, errNoAccount
	}
	tenant := firstOf(acct.TenantID, a.tenantID)
	res, err := c.CreateConversation(ctx, acct.ServiceURL, &schema.ConversationParameters{
		Bot:         &schema.ChannelAccount{ID: a.botID},
		Members:     []schema.ChannelAccount{{ID: userID}},
		TenantID:    tenant,
		ChannelData: &schema.ChannelData{Tenant: &schema.TenantInfo{ID: tenant}},
	})
	if err != nil {
		return nil, fmt.Errorf("opening a personal chat: %w", err)
	}
	acct.ConversationID = res.ID
	if res.ServiceURL != "" {
		acct.ServiceURL = res.ServiceURL
	}
	acct.UpdatedAt = a.now()
	if err := a.store.SaveAccount(ctx, *acct); err != nil {
		a.log.Warn("could not record a personal chat", "err", err)
	}
	return acct, nil
}

// cardActivity is a message activity carrying one card. Text and a card
// in one activity may arrive as two messages, and then Teams returns no ID
// to update, so the text goes only in the summary notifications show.
func cardActivity(card schema.Attachment, m *bot.Message) *schema.Activity {
	act := &schema.Activity{Type: schema.TypeMessage, Attachments: []schema.Attachment{card}}
	if m != nil {
		act.Summary = m.SummaryText().Plain()
	}
	return act
}
