package teamstest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// Errors a Result can carry about the bot's answer.
var (
	// ErrNoBot is returned when an activity is due but SetBot was not called.
	ErrNoBot = errors.New("teamstest: no bot endpoint (call SetBot)")
	// ErrBotTooSlow means the bot did not answer within Teams' deadline
	// (5 s for an invoke, 15 s for any other activity).
	ErrBotTooSlow = errors.New("teamstest: the bot answered too late")
	// ErrBotStatus means the bot answered with an HTTP status Teams treats
	// as a failure.
	ErrBotStatus = errors.New("teamstest: the bot answered with a failure status")
	// ErrBadInvokeResponse means the bot's answer to an invoke was not the
	// body Teams expects.
	ErrBadInvokeResponse = errors.New("teamstest: malformed invoke response")
	// ErrNotDelivered means Teams would not deliver the activity to the bot
	// (for example a channel message that does not @mention it).
	ErrNotDelivered = errors.New("teamstest: Teams does not deliver this to the bot")
)

// Result is what happened when the server posted an activity to the bot.
type Result struct {
	// Activity is the activity posted.
	Activity *schema.Activity
	// Status and Body are the bot's HTTP answer (Status 0 if none came).
	Status int
	Body   []byte
	// Elapsed is how long the bot took to answer.
	Elapsed time.Duration
	// Err says how the answer broke Teams' rules (deadline, status, body),
	// or is nil. The driving helpers also return it.
	Err error

	// Invoke is the parsed answer to an adaptiveCard/action invoke.
	Invoke *schema.AdaptiveCardInvokeResponse
	// Card is the card the invoke answer put in place of the pressed one
	// (for the user who pressed), or nil.
	Card map[string]any
	// Shown is the text Teams showed the user briefly: an invoke's
	// activity.message or error answer, or a dialog's "message" task.
	Shown string
	// Dialog is the dialog a task/fetch or task/submit answer opened, or nil.
	Dialog *Dialog
	// DialogClosed reports that a task/submit answer closed the dialog.
	DialogClosed bool
	// Also holds the results of activities Teams sent with this one (the
	// installationUpdate that follows an install's conversationUpdate).
	Also []*Result
}

// Post sends act to the bot's endpoint with the given Authorization
// header value, exactly as given (for tests of the bot's token checks).
// Its error is only about reaching the bot; Result carries the answer.
func (s *Server) Post(act *schema.Activity, authorization string) (*Result, error) {
	return s.post(act, authorization, s.cfg.activityTimeout, false)
}

// Deliver signs act as the Bot Framework does and posts it to the bot,
// filling serviceUrl, channelId, recipient and timestamp when empty. It
// returns an error, also in Result.Err, when the bot answers late or with
// a status other than 2xx (200 for an invoke).
func (s *Server) Deliver(act *schema.Activity) (*Result, error) {
	s.fillActivity(act)
	invoke := act.Type == schema.TypeInvoke
	timeout := s.cfg.activityTimeout
	if invoke {
		timeout = s.cfg.invokeTimeout
	}
	res, err := s.post(act, s.authorize(act), timeout, true)
	if err != nil {
		return res, err
	}
	return res, res.Err
}

// Redeliver posts the activity of an earlier result again, with the same
// activity ID and a fresh token, as Teams does when a bot answered late or
// failed: a bot must not act on it twice. For an invoke, the answer is in
// Result.Body, not interpreted.
func (s *Server) Redeliver(res *Result) (*Result, error) {
	if res == nil || res.Activity == nil {
		return nil, fmt.Errorf("%w: no activity to redeliver", ErrNotFound)
	}
	act := cloneActivity(*res.Activity)
	timeout := s.cfg.activityTimeout
	if act.Type == schema.TypeInvoke {
		timeout = s.cfg.invokeTimeout
	}
	again, err := s.post(&act, s.authorize(&act), timeout, true)
	if err != nil {
		return again, err
	}
	return again, again.Err
}

// Forgery rewrites an activity the server is about to post to the bot and
// returns the Authorization header to post it with (empty: none), for
// tests of the bot's checks. It may change act (another tenant, another
// serviceUrl) and sign changed claims with SignToken.
type Forgery func(act *schema.Activity) (authorization string)

// Forge makes every later activity the server sends (Deliver, Redeliver
// and the helpers built on them, such as InstallPersonal and Press) go
// through f, so a test can drive users as usual with tokens or
// activities the Bot Framework would never send. Forge(nil) restores the
// Bot Framework's own signing.
func (s *Server) Forge(f Forgery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forgery = f
}

// BotEndpoint returns the bot's messaging endpoint set by SetBot, for
// tests that post to it what no activity could hold (malformed JSON).
func (s *Server) BotEndpoint() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.botEndpoint
}

// authorize returns the Authorization header for act: the Bot
// Framework's, or the forgery's.
func (s *Server) authorize(act *schema.Activity) string {
	s.mu.Lock()
	f := s.forgery
	s.mu.Unlock()
	if f != nil {
		return f(act)
	}
	return s.activityAuth()
}

// fillActivity completes an activity's common fields.
func (s *Server) fillActivity(act *schema.Activity) {
	if act.ServiceURL == "" {
		act.ServiceURL = s.ServiceURL()
	}
	if act.ChannelID == "" {
		act.ChannelID = schema.ChannelTeams
	}
	if act.Recipient == nil {
		act.Recipient = &schema.ChannelAccount{ID: s.BotID(), Name: s.cfg.botName}
	}
	if act.Timestamp == "" {
		act.Timestamp = s.now().UTC().Format(time.RFC3339Nano)
	}
	s.mu.Lock()
	if act.ID == "" {
		act.ID = s.nextIDLocked()
	}
	s.mu.Unlock()
	if act.ChannelData == nil {
		act.ChannelData = &schema.ChannelData{}
	}
	if act.ChannelData.Tenant == nil {
		act.ChannelData.Tenant = &schema.TenantInfo{ID: s.cfg.tenantID}
	}
	if act.Conversation != nil && act.Conversation.TenantID == "" {
		act.Conversation.TenantID = s.cfg.tenantID
	}
}

func (s *Server) post(act *schema.Activity, authorization string, timeout time.Duration, strict bool) (*Result, error) {
	s.mu.Lock()
	endpoint := s.botEndpoint
	s.mu.Unlock()
	res := &Result{Activity: act}
	if endpoint == "" {
		return res, ErrNoBot
	}
	body, err := json.Marshal(act)
	if err != nil {
		return res, fmt.Errorf("teamstest: encode activity: %w", err)
	}
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return res, fmt.Errorf("teamstest: bot endpoint: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Microsoft-SkypeBotApi (Microsoft-BotFramework/3.0)")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if act.Conversation != nil {
		req.Header.Set("x-ms-conversation-id", act.Conversation.ID)
	}
	if act.ChannelData != nil && act.ChannelData.Tenant != nil {
		req.Header.Set("x-ms-tenant-id", act.ChannelData.Tenant.ID)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err == nil {
		res.Body, err = io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		res.Status = resp.StatusCode
	}
	res.Elapsed = time.Since(start)
	s.mu.Lock()
	s.notifyLocked()
	s.mu.Unlock()
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || (err == nil && res.Elapsed > timeout):
		res.Err = fmt.Errorf("%w: %s %s took over %s", ErrBotTooSlow, act.Type, act.Name, timeout)
		return res, nil
	case s.ctx.Err() != nil:
		return res, ErrClosed
	case err != nil:
		return res, fmt.Errorf("teamstest: post to bot: %w", err)
	}
	if !strict {
		return res, nil
	}
	if act.Type == schema.TypeInvoke && res.Status != http.StatusOK {
		res.Err = fmt.Errorf("%w: invoke %s answered HTTP %d, Teams needs 200", ErrBotStatus, act.Name, res.Status)
	} else if res.Status < 200 || res.Status > 299 {
		res.Err = fmt.Errorf("%w: %s answered HTTP %d", ErrBotStatus, act.Type, res.Status)
	}
	return res, nil
}

// readCardAction interprets the bot's answer to adaptiveCard/action.
func readCardAction(res *Result) error {
	body := bytes.TrimSpace(res.Body)
	if len(body) == 0 {
		return fmt.Errorf("%w: adaptiveCard/action answered with an empty body; Teams needs {statusCode, type, value}", ErrBadInvokeResponse)
	}
	var raw struct {
		StatusCode *int            `json:"statusCode"`
		Type       string          `json:"type"`
		Value      json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return fmt.Errorf("%w: %v", ErrBadInvokeResponse, err)
	}
	inv := &schema.AdaptiveCardInvokeResponse{StatusCode: 200, Type: raw.Type}
	if raw.StatusCode != nil {
		inv.StatusCode = *raw.StatusCode
	}
	if inv.StatusCode < 200 || inv.StatusCode > 599 {
		return fmt.Errorf("%w: statusCode %d", ErrBadInvokeResponse, inv.StatusCode)
	}
	res.Invoke = inv
	switch raw.Type {
	case schema.ContentTypeAdaptiveCard, schema.ContentTypeAdaptiveCardOld:
		var card map[string]any
		if err := json.Unmarshal(raw.Value, &card); err != nil || card == nil || card["type"] != "AdaptiveCard" {
			return fmt.Errorf("%w: type %s needs an Adaptive Card as value", ErrBadInvokeResponse, raw.Type)
		}
		inv.Value = card
		res.Card = card
	case schema.ContentTypeMessage:
		var text string
		if err := json.Unmarshal(raw.Value, &text); err != nil {
			return fmt.Errorf("%w: type %s needs a string value", ErrBadInvokeResponse, raw.Type)
		}
		inv.Value = text
		res.Shown = text
	case schema.ContentTypeError, "application/vnd.microsoft.error.preconditionFailed":
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw.Value, &e)
		inv.Value = e
		res.Shown = e.Message
		if res.Shown == "" {
			res.Shown = "Something went wrong."
		}
	case "application/vnd.microsoft.activity.loginRequest":
		inv.Value = raw.Value
	default:
		return fmt.Errorf("%w: unknown type %q", ErrBadInvokeResponse, raw.Type)
	}
	return nil
}
