package teams

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// copiesChannel stands for "each member's personal chat" where the
// outbox records the conversation an intro went to. Teams gives a bot no
// way to start a group chat, so an intro goes to each member as a copy in
// their own chat with the bot; the copies are kept in the store, and the
// reference recorded with the intro names them.
const copiesChannel = "teams:personal"

// setupPause is how long sending waits after Teams refuses the bot's
// credentials before trying again.
const setupPause = 5 * time.Minute

// Deliverer returns the bot.Deliverer that carries the outbox's messages
// to Teams, paced to Teams' limits.
func (a *Adapter) Deliverer() bot.Deliverer { return &deliverer{a: a} }

type deliverer struct{ a *Adapter }

func (d *deliverer) Pause() *bot.Pause { return d.a.pause }

// copiesRef is the reference an intro's copies are recorded under.
func copiesRef(kind string, tag int64) string { return kind + ":" + strconv.FormatInt(tag, 10) }

func parseCopiesRef(ref string) (kind string, tag int64, ok bool) {
	kind, n, found := strings.Cut(ref, ":")
	if !found {
		return "", 0, false
	}
	tag, err := strconv.ParseInt(n, 10, 64)
	return kind, tag, err == nil
}

// PostGroup sends an intro to each of its members in their personal chat
// with the bot, with links that start a group chat and propose a meeting
// with the others. A member whose copy was sent before (an earlier try
// that stopped half way, or a crash) is not sent another: after a crash,
// only the copy that was on its way at that moment can arrive twice.
func (d *deliverer) PostGroup(ctx context.Context, at bot.Attempt, users []string, _ string, m *bot.Message) (string, string, error) {
	a := d.a
	sent, err := a.store.Copies(ctx, Platform, at.Kind, at.Tag)
	if err != nil {
		return "", "", err
	}
	done := map[string]bot.SentCopy{}
	for _, c := range sent {
		done[c.UserID] = c
	}
	accounts, err := a.store.FindAccounts(ctx, Platform, users)
	if err != nil {
		return "", "", err
	}
	var unreachable, reached []string
	for _, u := range users {
		var others []string
		for _, o := range users {
			if o != u && accounts[o].PrincipalName != "" {
				others = append(others, accounts[o].PrincipalName)
			}
		}
		copyMsg := withChatLinks(m, others)
		if c, ok := done[u]; ok {
			// Sent before. On a later attempt the intro may have lost a
			// member who could not be reached: the copy is brought up to
			// date, so it names only the people in it.
			if at.Resume {
				d.refreshCopy(ctx, c, accounts[u], copyMsg)
			}
			reached = append(reached, u)
			continue
		}
		err := d.sendCopy(ctx, at, u, copyMsg)
		if err == nil {
			reached = append(reached, u)
		}
		var de *bot.DeliveryError
		switch {
		case err == nil:
		case errors.As(err, &de) && len(de.Unreachable) > 0:
			unreachable = append(unreachable, de.Unreachable...)
		default:
			return copiesChannel, copiesRef(at.Kind, at.Tag), err
		}
	}
	if len(unreachable) > 0 && len(reached) < 2 {
		// Too few can be reached for the intro to go ahead: the copies
		// already out are withdrawn, and the others are told instead.
		if err := d.Delete(context.WithoutCancel(ctx), copiesChannel, copiesRef(at.Kind, at.Tag)); err != nil {
			a.log.Warn("could not withdraw an intro that cannot go ahead", "err", err)
		}
	}
	if len(unreachable) > 0 {
		return copiesChannel, copiesRef(at.Kind, at.Tag), &bot.DeliveryError{Permanent: true, Unreachable: unreachable, Err: errors.New("members cannot be reached in Teams")}
	}
	return copiesChannel, copiesRef(at.Kind, at.Tag), nil
}

// refreshCopy replaces a copy already sent with m.
func (d *deliverer) refreshCopy(ctx context.Context, c bot.SentCopy, acct bot.Account, m *bot.Message) {
	if c.ActivityID == "" || acct.ServiceURL == "" {
		return
	}
	err := d.a.delivery.Update(ctx, acct.ServiceURL, c.ConversationID, c.ActivityID, cardActivity(messageCards(m)[0], m))
	if err != nil && !copyGone(err) {
		d.a.log.Warn("could not bring an intro up to date", "err", err)
	}
}

// withChatLinks returns m with a section of links that start a chat and
// propose a meeting with the others, by their principal names.
func withChatLinks(m *bot.Message, others []string) *bot.Message {
	links := bot.ChatLinks(others)
	out := *m
	out.Sections = make([]bot.Section, 0, len(m.Sections)+1)
	for _, s := range m.Sections {
		// A reply to a copy reaches Rapport alone, so the small print
		// points at the chat link instead.
		switch s.Note.Plain() {
		case bot.IntroFootnote:
			s.Note = bot.P(bot.IntroCopyFootnote)
			if len(links) == 0 {
				s.Note = bot.P(bot.IntroCopyNoLinkFootnote)
			}
		case bot.LeftIntroFootnote:
			if len(links) > 0 {
				s.Note = bot.P(bot.LeftIntroCopyFootnote)
			} else {
				s.Note = nil
			}
		}
		out.Sections = append(out.Sections, s)
	}
	if len(links) > 0 {
		out.Sections = append(out.Sections, bot.Section{Buttons: links})
	}
	return &out
}

// DM sends m to one member in their personal chat, once: a resumed
// attempt finds the copy recorded and sends nothing.
func (d *deliverer) DM(ctx context.Context, at bot.Attempt, userID string, m *bot.Message) error {
	if at.Resume {
		sent, err := d.a.store.Copies(ctx, Platform, at.Kind, at.Tag)
		if err != nil {
			return err
		}
		for _, c := range sent {
			if c.UserID == userID {
				return nil
			}
		}
	}
	return d.sendCopy(ctx, at, userID, m)
}

// sendCopy sends m to a member and records the copy. The record is made
// as soon as Teams answers; a crash in between is the one window in which
// the copy can go twice.
func (d *deliverer) sendCopy(ctx context.Context, at bot.Attempt, userID string, m *bot.Message) error {
	a := d.a
	acct, err := a.conversationPaced(ctx, userID)
	if err != nil {
		return d.classify(err, userID)
	}
	var first string
	for i, card := range messageCards(m) {
		id, err := a.delivery.Send(ctx, acct.ServiceURL, acct.ConversationID, cardActivity(card, m))
		if err != nil {
			if i > 0 {
				// Part of a long message is out: record it, so the part sent
				// is not repeated; the rest is lost, and said so.
				a.log.Warn("sent only part of a long message", "kind", at.Kind, "parts_sent", i, "err", err)
				break
			}
			return d.classify(err, userID)
		}
		if i == 0 {
			first = id
		}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := a.store.RecordCopy(rctx, bot.SentCopy{Platform: Platform, Kind: at.Kind, Tag: at.Tag, UserID: userID,
		ConversationID: acct.ConversationID, ActivityID: first, SentAt: a.now()}); err != nil {
		a.log.Error("sent a message but could not record it", "kind", at.Kind, "err", err)
	}
	return nil
}

// conversationPaced is conversation through the delivery connector.
func (a *Adapter) conversationPaced(ctx context.Context, userID string) (*bot.Account, error) {
	return a.conversation(ctx, a.delivery, userID)
}

// classify turns a Teams error into a bot.DeliveryError: a 429 pauses
// all sending, a member who blocked or removed the bot (403) cannot be
// reached, refused credentials pause sending until someone fixes them, and
// the rest are retried with backoff by the outbox.
func (d *deliverer) classify(err error, userID string) error {
	var ce *ConnectorError
	var te *TokenError
	switch {
	case errors.As(err, &te):
		d.a.log.Error("Microsoft refused the bot's credentials; delivery paused. Check TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID (README, Teams).", "err", err)
		return &bot.DeliveryError{RetryAfter: setupPause, Err: err}
	case errors.Is(err, errNoAccount):
		return &bot.DeliveryError{Permanent: true, Unreachable: []string{userID}, Err: err}
	case errors.As(err, &ce) && ce.Status == http.StatusTooManyRequests:
		wait := ce.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		return &bot.DeliveryError{RetryAfter: wait, Err: err}
	case errors.As(err, &ce) && ce.Blocked():
		return &bot.DeliveryError{Permanent: true, Unreachable: []string{userID}, Err: err}
	case errors.As(err, &ce) && ce.Status == http.StatusUnauthorized:
		d.a.log.Error("Teams refused the bot's credentials; delivery paused. Check TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID (README, Teams).", "err", err)
		return &bot.DeliveryError{RetryAfter: setupPause, Err: err}
	case errors.As(err, &ce) && ce.Status == http.StatusRequestEntityTooLarge:
		return &bot.DeliveryError{Permanent: true, Err: err}
	}
	return err
}

// Update replaces a posted message: every copy of an intro, or a post in
// a channel. A message that is gone is nothing to update.
func (d *deliverer) Update(ctx context.Context, channelID, ref string, m *bot.Message) error {
	a := d.a
	if channelID != copiesChannel {
		return a.updatePost(ctx, a.delivery, channelID, ref, m)
	}
	copies, accounts, err := a.copiesOf(ctx, ref)
	if err != nil {
		return err
	}
	for _, c := range copies {
		acct, ok := accounts[c.UserID]
		if !ok || c.ActivityID == "" {
			continue
		}
		// Each copy keeps its links to the others still in it.
		var others []string
		for _, o := range copies {
			if o.UserID != c.UserID && accounts[o.UserID].PrincipalName != "" {
				others = append(others, accounts[o.UserID].PrincipalName)
			}
		}
		copyMsg := withChatLinks(m, others)
		err := a.delivery.Update(ctx, acct.ServiceURL, c.ConversationID, c.ActivityID, cardActivity(messageCards(copyMsg)[0], copyMsg))
		if err != nil && !copyGone(err) {
			return d.classify(err, c.UserID)
		}
	}
	return nil
}

// Delete withdraws every copy of a message, such as an intro called off
// while it was on its way because a member of it left.
func (d *deliverer) Delete(ctx context.Context, channelID, ref string) error {
	a := d.a
	if channelID != copiesChannel {
		return nil
	}
	copies, accounts, err := a.copiesOf(ctx, ref)
	if err != nil {
		return err
	}
	for _, c := range copies {
		acct, ok := accounts[c.UserID]
		if !ok || c.ActivityID == "" {
			continue
		}
		err := a.delivery.Delete(ctx, acct.ServiceURL, c.ConversationID, c.ActivityID)
		if err != nil && !copyGone(err) {
			return fmt.Errorf("withdrawing a copy: %w", err)
		}
	}
	return nil
}

// copiesOf returns the copies recorded under ref and the accounts of the
// members they went to; none for a ref that names no copies.
func (a *Adapter) copiesOf(ctx context.Context, ref string) ([]bot.SentCopy, map[string]bot.Account, error) {
	kind, tag, ok := parseCopiesRef(ref)
	if !ok {
		return nil, nil, nil
	}
	copies, err := a.store.Copies(ctx, Platform, kind, tag)
	if err != nil {
		return nil, nil, err
	}
	accounts, err := a.store.FindAccounts(ctx, Platform, copyUsers(copies))
	if err != nil {
		return nil, nil, err
	}
	return copies, accounts, nil
}

// copyGone reports whether err means a copy is no longer there to change:
// deleted, or in a chat the member has blocked or removed.
func copyGone(err error) bool {
	var ce *ConnectorError
	return errors.As(err, &ce) && (ce.Gone() || ce.Blocked())
}

func copyUsers(cs []bot.SentCopy) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.UserID)
	}
	return out
}

// updatePost edits a message the bot posted in a channel.
func (a *Adapter) updatePost(ctx context.Context, c *Connector, channelID, ref string, m *bot.Message) error {
	serviceURL, err := a.channelServiceURL(ctx, channelID)
	if err != nil {
		return err
	}
	err = c.Update(ctx, serviceURL, channelID, ref, cardActivity(messageCards(m)[0], m))
	var ce *ConnectorError
	if errors.As(err, &ce) && ce.Gone() {
		return nil
	}
	if errors.As(err, &ce) && ce.Status == http.StatusTooManyRequests {
		return &bot.DeliveryError{RetryAfter: ce.RetryAfter, Err: err}
	}
	return err
}

// channelServiceURL is where a channel's messages go: the service URL
// that came with the choice of channel.
func (a *Adapter) channelServiceURL(ctx context.Context, channelID string) (string, error) {
	ch, serviceURL, err := a.store.AnnounceChannel(ctx, Platform)
	if err == nil && ch == channelID && serviceURL != "" {
		return serviceURL, nil
	}
	if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
		return "", err
	}
	if t, err := a.store.FindTeam(ctx, Platform, teamOfChannel(channelID)); err == nil && t.ServiceURL != "" {
		return t.ServiceURL, nil
	}
	if t, err := a.installChannel(ctx, channelID); err == nil && t != nil {
		return t.ServiceURL, nil
	}
	if serviceURL != "" {
		return serviceURL, nil
	}
	return "", fmt.Errorf("no service URL is known for the channel")
}

// teamOfChannel is the team ID of a team's General channel, whose ID is
// the team's; other channels are found through the announce record.
func teamOfChannel(channelID string) string { return channelID }

// installChannel returns the team whose channel chosen at install is
// channelID, or nil.
func (a *Adapter) installChannel(ctx context.Context, channelID string) (*bot.Team, error) {
	teams, err := a.store.ListTeams(ctx, Platform)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		if t.ChannelID == channelID && t.ServiceURL != "" {
			return &t, nil
		}
	}
	return nil, nil
}

// Board returns where meetups and invitations are posted in Teams: the
// channel an admin chose by typing "@Rapport meetups here" in it, or
// until one is chosen, the channel chosen when Rapport was first added to
// a team.
func (a *Adapter) Board() bot.Board { return &board{a: a} }

type board struct{ a *Adapter }

// errNoChannel means Rapport is in no team, and no admin has chosen a
// channel.
var errNoChannel = errors.New("no Teams channel to post in: add Rapport to a team, or a network admin types @Rapport meetups here in a channel")

func (b *board) Post(ctx context.Context, channel string, m *bot.Message) (string, string, error) {
	a := b.a
	ch, serviceURL, err := a.store.AnnounceChannel(ctx, Platform)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		teams, err := a.store.ListTeams(ctx, Platform)
		if err != nil {
			return "", "", err
		}
		for _, t := range teams {
			if t.ChannelID != "" && t.ServiceURL != "" {
				ch, serviceURL = t.ChannelID, t.ServiceURL
				break
			}
		}
		if ch == "" {
			return "", "", errNoChannel
		}
	} else if err != nil {
		return "", "", err
	}
	if channel != "" {
		ch = channel
	}
	id, err := a.conn.Send(ctx, serviceURL, ch, cardActivity(messageCards(m)[0], m))
	if err != nil {
		return "", "", err
	}
	return ch, id, nil
}

func (b *board) Update(ctx context.Context, channelID, ref string, m *bot.Message) error {
	return b.a.updatePost(ctx, b.a.conn, channelID, ref, m)
}

var _ bot.Deliverer = (*deliverer)(nil)
var _ bot.Board = (*board)(nil)
