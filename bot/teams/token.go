package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// DefaultTokenURL is the token endpoint of a single-tenant app; {tenant}
// is replaced with the tenant ID.
const DefaultTokenURL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"

// ConnectorScope is the scope of the token the Connector accepts.
const ConnectorScope = "https://api.botframework.com/.default"

const (
	// tokenEarly is how long before its expiry a token is replaced.
	tokenEarly = 5 * time.Minute
	// tokenTimeout bounds one token request.
	tokenTimeout = 30 * time.Second
	// maxTokenBytes bounds what is read of the token endpoint's answer.
	maxTokenBytes = 64 << 10
)

// TokenOptions configure a TokenSource.
type TokenOptions struct {
	// URL is the token endpoint (TEAMS_TOKEN_URL); empty means
	// DefaultTokenURL. "{tenant}" in it is replaced with TenantID.
	URL string
	// AppID and Password are the bot's Microsoft App ID and client secret
	// (TEAMS_APP_ID, TEAMS_APP_PASSWORD).
	AppID, Password string
	// TenantID is the app's tenant (TEAMS_TENANT_ID).
	TenantID string
	// HTTPClient makes the requests; nil means a client with a timeout.
	HTTPClient *http.Client
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// TokenSource gets the bot's token for the Connector with its client
// credentials and keeps it until five minutes before it expires. One
// caller fetches at a time; the others wait for its result. It is safe
// for concurrent use.
type TokenSource struct {
	opt TokenOptions

	mu       sync.Mutex
	token    string
	expires  time.Time
	inflight *tokenFetch
	// fetched is when the last fetch that succeeded started; attempted
	// when the last fetch started; failingSince when the fetches began to
	// fail, zero while the last one succeeded; lastErr why the last
	// failed. Ready reads them.
	fetched, attempted, failingSince time.Time
	lastErr                          error
}

type tokenFetch struct {
	done    chan struct{}
	token   string
	expires time.Time
	err     error
}

// TokenError is a token endpoint's refusal. Its message says which
// settings to check; it never holds the secret.
type TokenError struct {
	// Status is the endpoint's HTTP status.
	Status int
	// Code is the OAuth error ("invalid_client") and Entra's code
	// ("AADSTS7000215"), when the endpoint gave them.
	Code, AADSTS string
	// Check names the settings to check.
	Check string
}

// Error says what failed and what to check.
func (e *TokenError) Error() string {
	code := strings.TrimSpace(strings.Join([]string{e.Code, e.AADSTS}, " "))
	if code != "" {
		code = " " + code
	}
	return fmt.Sprintf("teams: the token endpoint refused the bot's credentials (HTTP %d%s): check %s", e.Status, code, e.Check)
}

// NewTokenSource returns a TokenSource for opt.
func NewTokenSource(opt TokenOptions) *TokenSource {
	if opt.URL == "" {
		opt.URL = DefaultTokenURL
	}
	if opt.TenantID != "" {
		opt.URL = strings.ReplaceAll(opt.URL, "{tenant}", url.PathEscape(opt.TenantID))
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: tokenTimeout}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &TokenSource{opt: opt}
}

// Token returns a token for the Connector, from the cache while it has
// more than five minutes left, else from the token endpoint.
func (s *TokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.token != "" && s.opt.Now().Before(s.expires.Add(-tokenEarly)) {
		t := s.token
		s.mu.Unlock()
		return t, nil
	}
	f := s.inflight
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		s.inflight = f
		// The fetch serves every caller waiting for it, so one caller
		// giving up does not end it.
		go s.fetch(context.WithoutCancel(ctx), f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// errNoCredentials is a token that cannot be asked for: a setting is
// missing.
var errNoCredentials = errors.New("teams: no token for the Connector")

// Invalidate forgets token, after the Connector refused it, so the next
// Token fetches a new one. A token already replaced is left alone.
func (s *TokenSource) Invalidate(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if token != "" && s.token == token {
		s.token, s.expires = "", time.Time{}
	}
}

func (s *TokenSource) fetch(ctx context.Context, f *tokenFetch) {
	ctx, cancel := context.WithTimeout(ctx, tokenTimeout)
	defer cancel()
	start := s.opt.Now()
	s.mu.Lock()
	s.attempted = start
	s.mu.Unlock()
	tok, ttl, err := s.request(ctx)
	s.mu.Lock()
	f.token, f.err = tok, err
	s.lastErr = err
	if err == nil {
		f.expires = start.Add(ttl)
		s.token, s.expires = tok, f.expires
		s.fetched, s.failingSince = start, time.Time{}
	} else if s.failingSince.IsZero() {
		s.failingSince = start
	}
	s.inflight = nil
	close(f.done)
	s.mu.Unlock()
}

// request asks the endpoint for a token and returns it with its lifetime.
func (s *TokenSource) request(ctx context.Context) (string, time.Duration, error) {
	var missing []string
	if s.opt.AppID == "" {
		missing = append(missing, "TEAMS_APP_ID")
	}
	if s.opt.Password == "" {
		missing = append(missing, "TEAMS_APP_PASSWORD")
	}
	if strings.Contains(s.opt.URL, "{tenant}") {
		missing = append(missing, "TEAMS_TENANT_ID")
	}
	if len(missing) > 0 {
		return "", 0, fmt.Errorf("%w: %s not set", errNoCredentials, strings.Join(missing, ", "))
	}
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {s.opt.AppID},
		"client_secret": {s.opt.Password},
		"scope":         {ConnectorScope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.opt.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("teams: token endpoint: %w (check TEAMS_TOKEN_URL and TEAMS_TENANT_ID)", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res, err := s.opt.HTTPClient.Do(req)
	if err != nil {
		// A *url.Error names the URL, which holds no secret.
		return "", 0, fmt.Errorf("teams: token endpoint: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxTokenBytes))
	if err != nil {
		return "", 0, fmt.Errorf("teams: token endpoint: %w", err)
	}
	if res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500 {
		// Entra is busy or down: nothing to fix in the settings, and the
		// caller tries again.
		return "", 0, fmt.Errorf("teams: the token endpoint answered %d; will try again", res.StatusCode)
	}
	if res.StatusCode != http.StatusOK {
		return "", 0, tokenError(res.StatusCode, body)
	}
	var tr schema.TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return "", 0, errors.New("teams: the token endpoint's answer holds no token (check TEAMS_TOKEN_URL)")
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "Bearer") {
		return "", 0, fmt.Errorf("teams: the token endpoint gave a %q token, not a Bearer token", truncate(tr.TokenType, 20))
	}
	return tr.AccessToken, time.Duration(tr.ExpiresIn) * time.Second, nil
}

var aadstsCode = regexp.MustCompile(`AADSTS\d+`)

// tokenError reads an endpoint's refusal and says what to check.
func tokenError(status int, body []byte) *TokenError {
	var er struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &er)
	e := &TokenError{Status: status, Code: truncate(er.Error, 40), AADSTS: aadstsCode.FindString(er.Description)}
	switch e.AADSTS {
	case "AADSTS7000215", "AADSTS7000222", "AADSTS7000216":
		// Invalid, expired or missing client secret.
		e.Check = "TEAMS_APP_PASSWORD (the client secret's value, not its ID, and whether it has expired)"
	case "AADSTS700016":
		// The app is not found in the tenant asked.
		e.Check = "TEAMS_APP_ID and TEAMS_TENANT_ID (a single-tenant app must ask its own tenant)"
	case "AADSTS90002", "AADSTS900023", "AADSTS90013":
		e.Check = "TEAMS_TENANT_ID (the directory ID of the app's tenant)"
	case "AADSTS700003", "AADSTS7000112", "AADSTS700025":
		e.Check = "TEAMS_APP_ID (the app registration may be disabled or deleted)"
	default:
		e.Check = "TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID"
	}
	return e
}
