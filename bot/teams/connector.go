package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

const (
	// maxResponseBytes bounds what is read of a Connector answer (a page
	// of 500 members is about 250 KB).
	maxResponseBytes = 4 << 20
	// maxErrorBytes bounds what is read of a Connector error.
	maxErrorBytes = 64 << 10
	// backoffBase and backoffMax bound the wait before a retry.
	backoffBase = 250 * time.Millisecond
	backoffMax  = 8 * time.Second
	// max429Waits is how many 429s one call waits out before it gives up.
	max429Waits = 3
	// default429 is the wait a 429 without Retry-After asks for.
	default429 = time.Second
)

// ConnectorOptions configure a Connector.
type ConnectorOptions struct {
	// Tokens gives the bot's token for every request.
	Tokens *TokenSource
	// HTTPClient makes the requests; nil means a client with a timeout.
	HTTPClient *http.Client
	// Retries is how often a call answered 412, 502, 503 or 504 is tried
	// again, with jittered exponential backoff (default 0).
	Retries int
	// Wait429 is the longest Retry-After of a 429 that a call waits out
	// and retries; a longer one, or any when Wait429 is 0, comes back as
	// a *ConnectorError with RetryAfter set.
	Wait429 time.Duration
	// Pace paces every call to Teams' limits; nil means no pacing.
	Pace *Pacer
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Connector is a client of the Bot Framework Connector REST API, at the
// service URL each activity names. It is safe for concurrent use.
type Connector struct {
	opt ConnectorOptions
	// sleep waits between tries; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// ConnectorError is a Connector call's failure as Teams answered it.
type ConnectorError struct {
	// Status is the HTTP status.
	Status int
	// Code is the error's code, such as MessageWritesBlocked,
	// ConversationNotFound or MessageSizeTooBig.
	Code string
	// RetryAfter is how long Teams asked the bot to wait (a 429).
	RetryAfter time.Duration
	// Op is the call: "send", "reply", "update", "delete", "create
	// conversation", "member", "paged members" or "team details".
	Op string
	// OperationID is Teams' X-Correlating-OperationId, for a support case.
	OperationID string
}

// Error names the call, the status and the code; never the token or the
// message.
func (e *ConnectorError) Error() string {
	s := fmt.Sprintf("teams: %s: HTTP %d", e.Op, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	if e.OperationID != "" {
		s += " operation " + e.OperationID
	}
	return s
}

// Blocked reports a 403: the member blocked the bot or removed the app,
// or the app was uninstalled; the member cannot be reached.
func (e *ConnectorError) Blocked() bool { return e.Status == http.StatusForbidden }

// Gone reports a 404 on an update or a delete: the message or its
// conversation is gone.
func (e *ConnectorError) Gone() bool {
	return e.Status == http.StatusNotFound && (e.Op == "update" || e.Op == "delete")
}

// Retryable reports whether the same call may succeed later: 412, 429 and
// every 5xx.
func (e *ConnectorError) Retryable() bool {
	return e.Status == http.StatusPreconditionFailed || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// NewConnector returns a Connector for opt.
func NewConnector(opt ConnectorOptions) *Connector {
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Connector{opt: opt, sleep: sleep}
}

// CreateConversation creates a conversation, for Rapport a one-to-one
// chat with p's one member, and returns it. It is paced as a send in a
// conversation keyed by the member's ID.
func (c *Connector) CreateConversation(ctx context.Context, serviceURL string, p *schema.ConversationParameters) (*schema.ConversationResourceResponse, error) {
	if p == nil || len(p.Members) == 0 {
		return nil, errors.New("teams: create conversation: no member to create it with")
	}
	key := "create:" + p.Members[0].ID
	var out schema.ConversationResourceResponse
	if err := c.do(ctx, "create conversation", key, http.MethodPost, serviceURL, "/v3/conversations", nil, p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Send posts a in the conversation and returns the new activity's ID.
func (c *Connector) Send(ctx context.Context, serviceURL, conversationID string, a *schema.Activity) (string, error) {
	var out schema.ResourceResponse
	err := c.do(ctx, "send", conversationID, http.MethodPost, serviceURL, "/v3/conversations/"+seg(conversationID)+"/activities", nil, a, &out)
	return out.ID, err
}

// Reply posts a in the conversation as an answer to replyToID and returns
// the new activity's ID.
func (c *Connector) Reply(ctx context.Context, serviceURL, conversationID, replyToID string, a *schema.Activity) (string, error) {
	var out schema.ResourceResponse
	err := c.do(ctx, "reply", conversationID, http.MethodPost, serviceURL, "/v3/conversations/"+seg(conversationID)+"/activities/"+seg(replyToID), nil, a, &out)
	return out.ID, err
}

// Update replaces the activity activityID with a.
func (c *Connector) Update(ctx context.Context, serviceURL, conversationID, activityID string, a *schema.Activity) error {
	return c.do(ctx, "update", conversationID, http.MethodPut, serviceURL, "/v3/conversations/"+seg(conversationID)+"/activities/"+seg(activityID), nil, a, nil)
}

// Delete deletes the activity activityID.
func (c *Connector) Delete(ctx context.Context, serviceURL, conversationID, activityID string) error {
	return c.do(ctx, "delete", conversationID, http.MethodDelete, serviceURL, "/v3/conversations/"+seg(conversationID)+"/activities/"+seg(activityID), nil, nil, nil)
}

// Member returns one member of the conversation: userID is a Teams user
// ID, a UPN or an Entra object ID.
func (c *Connector) Member(ctx context.Context, serviceURL, conversationID, userID string) (*schema.TeamsChannelAccount, error) {
	var out schema.TeamsChannelAccount
	if err := c.do(ctx, "member", "members:"+conversationID, http.MethodGet, serviceURL, "/v3/conversations/"+seg(conversationID)+"/members/"+seg(userID), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PagedMembers returns one page of the conversation's (a team's) members;
// pass the page's ContinuationToken for the next, until it is empty.
// Teams serves between 50 and 500 a page; pageSize 0 leaves it to Teams.
func (c *Connector) PagedMembers(ctx context.Context, serviceURL, conversationID string, pageSize int, continuationToken string) (*schema.PagedMembersResult, error) {
	q := url.Values{}
	if pageSize > 0 {
		q.Set("pageSize", strconv.Itoa(pageSize))
	}
	if continuationToken != "" {
		q.Set("continuationToken", continuationToken)
	}
	var out schema.PagedMembersResult
	if err := c.do(ctx, "paged members", "members:"+conversationID, http.MethodGet, serviceURL, "/v3/conversations/"+seg(conversationID)+"/pagedmembers", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TeamDetails returns the team's name and Entra group ID.
func (c *Connector) TeamDetails(ctx context.Context, serviceURL, teamID string) (*schema.TeamDetails, error) {
	var out schema.TeamDetails
	if err := c.do(ctx, "team details", "team:"+teamID, http.MethodGet, serviceURL, "/v3/teams/"+seg(teamID), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// seg escapes one path segment: conversation IDs hold ':', '@' and ';'.
func seg(s string) string { return url.PathEscape(s) }

// do makes one call, paced, with the bot's token, retrying as the options
// say, and decodes the answer into out.
func (c *Connector) do(ctx context.Context, op, paceKey, method, serviceURL, path string, query url.Values, in, out any) error {
	base, err := url.Parse(serviceURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return fmt.Errorf("teams: %s: the service URL is not an http(s) URL", op)
	}
	u := strings.TrimRight(serviceURL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("teams: %s: %w", op, err)
		}
	}
	if c.opt.Tokens == nil {
		return fmt.Errorf("teams: %s: no token source", op)
	}
	retries, waits429, refreshed := 0, 0, false
	for {
		if c.opt.Pace != nil {
			if err := c.opt.Pace.Wait(ctx, paceKey); err != nil {
				return err
			}
		}
		token, err := c.opt.Tokens.Token(ctx)
		if err != nil {
			return fmt.Errorf("teams: %s: %w", op, err)
		}
		cerr, err := c.try(ctx, op, method, u, token, body, out)
		if err != nil {
			return err
		}
		if cerr == nil {
			return nil
		}
		switch {
		case cerr.Status == http.StatusUnauthorized && !refreshed:
			// The token may have been revoked or rotated: one new one.
			c.opt.Tokens.Invalidate(token)
			refreshed = true
			continue
		case cerr.Status == http.StatusTooManyRequests:
			// Teams' Retry-After holds every call, not just this one.
			if c.opt.Pace != nil {
				c.opt.Pace.Pause().Hold(c.opt.Now().Add(cerr.RetryAfter))
			}
			if c.opt.Wait429 > 0 && cerr.RetryAfter <= c.opt.Wait429 && waits429 < max429Waits {
				waits429++
				if c.opt.Pace == nil {
					if err := c.sleep(ctx, cerr.RetryAfter); err != nil {
						return err
					}
				}
				continue
			}
		case retries < c.opt.Retries && retryStatus(cerr.Status):
			if err := c.sleep(ctx, backoff(retries)); err != nil {
				return err
			}
			retries++
			continue
		}
		return cerr
	}
}

func retryStatus(status int) bool {
	switch status {
	case http.StatusPreconditionFailed, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff is the wait before retry n (from 0): exponential, bounded, with
// jitter so that senders that failed together do not retry together.
func backoff(n int) time.Duration {
	d := backoffMax
	if n < 10 {
		d = min(backoffBase<<n, backoffMax)
	}
	return d/2 + rand.N(d/2+1)
}

// try makes one request. It returns a *ConnectorError when Teams answered
// with an error, and an error when there was no answer to read.
func (c *Connector) try(ctx context.Context, op, method, u, token string, body []byte, out any) (*ConnectorError, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("teams: %s: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	res, err := c.opt.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// The URL is the service URL and IDs, no secret; keep the cause.
			err = ue.Err
		}
		return nil, fmt.Errorf("teams: %s: %w", op, err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		data, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes+1))
		if err != nil {
			return nil, fmt.Errorf("teams: %s: reading the answer: %w", op, err)
		}
		if len(data) > maxResponseBytes {
			return nil, fmt.Errorf("teams: %s: the answer is larger than %d bytes", op, maxResponseBytes)
		}
		if out != nil && len(bytes.TrimSpace(data)) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return nil, fmt.Errorf("teams: %s: the answer cannot be read: %w", op, err)
			}
		}
		return nil, nil
	}
	data, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBytes))
	var er schema.ErrorResponse
	_ = json.Unmarshal(data, &er)
	cerr := &ConnectorError{
		Status:      res.StatusCode,
		Code:        truncate(er.Error.Code, 60),
		Op:          op,
		OperationID: truncate(res.Header.Get("X-Correlating-OperationId"), 80),
	}
	if res.StatusCode == http.StatusTooManyRequests {
		cerr.RetryAfter = retryAfter(res.Header.Get("Retry-After"), c.opt.Now())
	}
	return cerr, nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date, at
// least default429 and at most an hour. A 429 without one asks for
// default429.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	d := default429
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		d = time.Duration(min(max(n, 0), 3600)) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, default429), time.Hour)
}
