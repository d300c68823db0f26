// Package teams connects Rapport to Microsoft Teams through the Bot
// Framework: it verifies the activities Teams posts to the bot, and calls
// the Bot Framework Connector to answer and to send, within Teams' limits.
package teams

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// DefaultMetadataURL is the Bot Framework's OpenID metadata in Microsoft's
// public cloud: it names the keys that sign the tokens Teams sends.
const DefaultMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"

// ChannelIssuer is the one issuer of the tokens the Bot Framework puts on
// the activities it sends to a bot. The emulator's issuers are not
// accepted.
const ChannelIssuer = "https://api.botframework.com"

const (
	// clockSkew is how far apart the Bot Framework's clock and ours may be.
	clockSkew = 5 * time.Minute
	// retryFailedFetch is how long after a failed key fetch the next one
	// may start, so that a flood of requests does not become a flood of
	// fetches while the metadata cannot be read.
	retryFailedFetch = 10 * time.Second
	// fetchTimeout bounds one fetch of the metadata and the keys.
	fetchTimeout = 15 * time.Second
	// maxMetadataBytes bounds what is read of the metadata and the keys.
	maxMetadataBytes = 1 << 20
	// minRSABits is the shortest signing key accepted.
	minRSABits = 2048
)

// allowedAlgorithms are the signatures the Bot Framework SDKs accept.
var allowedAlgorithms = map[string]jwa.SignatureAlgorithm{
	"RS256": jwa.RS256(),
	"RS384": jwa.RS384(),
	"RS512": jwa.RS512(),
}

// VerifierOptions configure a Verifier.
type VerifierOptions struct {
	// MetadataURL is the OpenID metadata (TEAMS_OPENID_METADATA_URL);
	// empty means DefaultMetadataURL.
	MetadataURL string
	// AppID is the bot's Microsoft App ID (TEAMS_APP_ID): the audience of
	// every token.
	AppID string
	// TenantID is the one tenant served (TEAMS_TENANT_ID): every
	// activity's channelData.tenant.id must equal it.
	TenantID string
	// HTTPClient fetches the metadata and keys; nil means a client with a
	// timeout.
	HTTPClient *http.Client
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// MaxKeyAge is how long fetched keys are used before they are fetched
	// again (default 24 hours).
	MaxKeyAge time.Duration
	// UnknownKeyEvery is how often at most a token signed with a key that
	// is not known makes the keys be fetched again (default 5 minutes).
	UnknownKeyEvery time.Duration
}

// Verifier checks that an activity was sent by the Bot Framework, for
// this bot, from Teams, in the tenant served. It keeps the Bot
// Framework's signing keys, fetched again when they are old or when a
// token names a key it does not know. There is no way to turn it off. It
// is safe for concurrent use.
type Verifier struct {
	opt VerifierOptions

	mu        sync.Mutex
	keys      map[string]signingKey // by key ID
	fetched   time.Time             // when keys were last fetched; zero before
	attempted time.Time             // when the last fetch started
	lastErr   error                 // why the last fetch failed, nil if it did not
	// failingSince is when the fetches began to fail, zero while the
	// last one succeeded.
	failingSince time.Time
	inflight     *keyFetch
}

// signingKey is one of the Bot Framework's keys and the channels it may
// sign for.
type signingKey struct {
	key          *rsa.PublicKey
	endorsements []string
}

// keyFetch is a fetch of the keys under way; done closes when it ends.
type keyFetch struct {
	done chan struct{}
	keys map[string]signingKey
	err  error
}

// AuthError says why a request was refused. Status is the HTTP status to
// answer with: 401 when the token does not prove the Bot Framework sent
// the request, 403 when it does but the activity is not one the bot may
// accept (a key not endorsed for its channel, another tenant).
type AuthError struct {
	Status int
	// Reason says what failed, for the log; it holds no token text.
	Reason string
}

// Error returns the status and the reason.
func (e *AuthError) Error() string {
	return fmt.Sprintf("teams: request refused (%d): %s", e.Status, e.Reason)
}

func unauthorized(format string, args ...any) *AuthError {
	return &AuthError{Status: http.StatusUnauthorized, Reason: fmt.Sprintf(format, args...)}
}

func forbidden(format string, args ...any) *AuthError {
	return &AuthError{Status: http.StatusForbidden, Reason: fmt.Sprintf(format, args...)}
}

// NewVerifier returns a Verifier for opt. Keys are fetched on the first
// request.
func NewVerifier(opt VerifierOptions) *Verifier {
	if opt.MetadataURL == "" {
		opt.MetadataURL = DefaultMetadataURL
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: fetchTimeout}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxKeyAge <= 0 {
		opt.MaxKeyAge = 24 * time.Hour
	}
	if opt.UnknownKeyEvery <= 0 {
		opt.UnknownKeyEvery = 5 * time.Minute
	}
	return &Verifier{opt: opt}
}

// Verify checks the request's Authorization header against the activity
// it carries. It returns nil when the Bot Framework signed a token for
// this bot that vouches for the activity, or an *AuthError.
func (v *Verifier) Verify(ctx context.Context, authorization string, a *schema.Activity) error {
	if v.opt.AppID == "" || v.opt.TenantID == "" {
		return unauthorized("the verifier has no app ID or tenant ID")
	}
	if a == nil {
		return unauthorized("no activity")
	}
	scheme, token, ok := strings.Cut(authorization, " ")
	if !ok || scheme != "Bearer" || token == "" {
		return unauthorized("no Bearer token in the Authorization header")
	}
	if strings.Count(token, ".") != 2 || strings.ContainsFunc(token, notCompact) {
		return unauthorized("the token is not a compact JWT")
	}
	msg, err := jws.Parse([]byte(token))
	if err != nil || len(msg.Signatures()) != 1 {
		return unauthorized("the token cannot be read")
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	algName, _ := hdr.Algorithm()
	alg, ok := allowedAlgorithms[algName.String()]
	if !ok {
		return unauthorized("signature algorithm %q is not accepted", truncate(algName.String(), 20))
	}
	kid, _ := hdr.KeyID()
	if kid == "" {
		return unauthorized("the token names no signing key")
	}
	key, aerr := v.signingKey(ctx, kid)
	if aerr != nil {
		return aerr
	}
	now := v.opt.Now
	tok, err := jwt.Parse([]byte(token),
		jwt.WithKey(alg, key.key),
		jwt.WithValidate(true),
		jwt.WithIssuer(ChannelIssuer),
		jwt.WithAudience(v.opt.AppID),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithAcceptableSkew(clockSkew),
		jwt.WithClock(jwt.ClockFunc(func() time.Time { return now() })),
	)
	if err != nil {
		return unauthorized("%s", tokenProblem(err))
	}

	if a.ChannelID == "" || !slices.Contains(key.endorsements, a.ChannelID) {
		return forbidden("the signing key is not endorsed for channel %q", truncate(a.ChannelID, 40))
	}
	var serviceURL string
	if err := tok.Get("serviceurl", &serviceURL); err != nil || serviceURL == "" {
		return unauthorized("the token has no serviceurl claim")
	}
	if serviceURL != a.ServiceURL {
		return unauthorized("the token's serviceurl is not the activity's serviceUrl")
	}
	if a.ChannelData == nil || a.ChannelData.Tenant == nil || !strings.EqualFold(a.ChannelData.Tenant.ID, v.opt.TenantID) {
		return forbidden("the activity is not from the tenant served")
	}
	if a.Conversation != nil && a.Conversation.TenantID != "" && !strings.EqualFold(a.Conversation.TenantID, v.opt.TenantID) {
		return forbidden("the activity's conversation is in another tenant")
	}
	return nil
}

// notCompact reports a character that a compact JWT (base64url parts
// joined by dots) cannot hold.
func notCompact(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
}

// tokenProblem names what jwt.Parse refused, without token text.
func tokenProblem(err error) string {
	switch {
	case errors.Is(err, jwt.TokenExpiredError()):
		return "the token has expired"
	case errors.Is(err, jwt.TokenNotYetValidError()):
		return "the token is not valid yet"
	case errors.Is(err, jwt.InvalidIssuerError()):
		return "the token's issuer is not " + ChannelIssuer
	case errors.Is(err, jwt.InvalidAudienceError()):
		return "the token is not for this bot's app ID"
	case errors.Is(err, jwt.MissingRequiredClaimError()):
		return "the token has no expiry"
	case errors.Is(err, jws.VerifyError()):
		return "the token's signature does not verify"
	case errors.Is(err, jwt.ValidateError()):
		return "the token is not valid"
	}
	return "the token's signature does not verify"
}

// signingKey returns the key kid, fetching the keys when they are old or
// unknown, within the limits on how often.
func (v *Verifier) signingKey(ctx context.Context, kid string) (signingKey, *AuthError) {
	for fetchedOnce := false; ; fetchedOnce = true {
		now := v.opt.Now()
		v.mu.Lock()
		fresh := !v.fetched.IsZero() && now.Sub(v.fetched) < v.opt.MaxKeyAge
		k, known := v.keys[kid]
		switch {
		case fresh && known:
			v.mu.Unlock()
			return k, nil
		case fetchedOnce && !fresh:
			v.mu.Unlock()
			return signingKey{}, unauthorized("the signing keys could not be fetched")
		case fetchedOnce:
			v.mu.Unlock()
			return signingKey{}, unauthorized("the token is signed with an unknown key")
		}
		f := v.inflight
		if f == nil {
			if fresh && now.Sub(v.attempted) < v.opt.UnknownKeyEvery {
				v.mu.Unlock()
				return signingKey{}, unauthorized("the token is signed with an unknown key")
			}
			if !fresh && v.lastErr != nil && now.Sub(v.attempted) < retryFailedFetch {
				err := v.lastErr
				v.mu.Unlock()
				return signingKey{}, unauthorized("the signing keys could not be fetched: %v", err)
			}
			f = &keyFetch{done: make(chan struct{})}
			v.inflight = f
			v.attempted = now
			// The fetch serves every request waiting for it, so one
			// request giving up does not end it.
			go v.fetch(context.WithoutCancel(ctx), f)
		}
		v.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return signingKey{}, unauthorized("gave up waiting for the signing keys: %v", ctx.Err())
		}
		if f.err != nil {
			return signingKey{}, unauthorized("the signing keys could not be fetched: %v", f.err)
		}
	}
}

// Refresh fetches the signing keys now, so that no request waits for
// them: at start, and before the cached keys grow old.
func (v *Verifier) Refresh(ctx context.Context) error {
	v.mu.Lock()
	f := v.inflight
	if f == nil {
		f = &keyFetch{done: make(chan struct{})}
		v.inflight = f
		v.attempted = v.opt.Now()
		go v.fetch(context.WithoutCancel(ctx), f)
	}
	v.mu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetch reads the metadata and the keys, and records the outcome.
func (v *Verifier) fetch(ctx context.Context, f *keyFetch) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	keys, err := v.fetchKeys(ctx)
	v.mu.Lock()
	f.keys, f.err = keys, err
	v.lastErr = err
	if err == nil {
		v.keys = keys
		v.fetched = v.opt.Now()
		v.failingSince = time.Time{}
	} else if v.failingSince.IsZero() {
		v.failingSince = v.attempted
	}
	v.inflight = nil
	close(f.done)
	v.mu.Unlock()
}

// fetchKeys reads the OpenID metadata, then the key set it points to.
// Keys that are not RSA public keys of a sound size are left out.
func (v *Verifier) fetchKeys(ctx context.Context) (map[string]signingKey, error) {
	var meta struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	body, err := v.get(ctx, v.opt.MetadataURL)
	if err != nil {
		return nil, fmt.Errorf("OpenID metadata: %w", err)
	}
	if err := json.Unmarshal(body, &meta); err != nil {
		return nil, fmt.Errorf("OpenID metadata: %w", err)
	}
	ju, err := url.Parse(meta.JWKSURI)
	if err != nil || ju.Host == "" || (ju.Scheme != "https" && !(ju.Scheme == "http" && strings.HasPrefix(v.opt.MetadataURL, "http://"))) {
		return nil, errors.New("OpenID metadata: jwks_uri is not an https URL")
	}
	body, err = v.get(ctx, meta.JWKSURI)
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	keys := map[string]signingKey{}
	for _, raw := range set.Keys {
		var member struct {
			Kid          string   `json:"kid"`
			Kty          string   `json:"kty"`
			Endorsements []string `json:"endorsements"`
		}
		if json.Unmarshal(raw, &member) != nil || member.Kid == "" || member.Kty != "RSA" {
			continue
		}
		k, err := jwk.ParseKey(raw)
		if err != nil {
			continue
		}
		var pub rsa.PublicKey
		if _, private := k.(jwk.RSAPrivateKey); private || jwk.Export(k, &pub) != nil || pub.N == nil || pub.N.BitLen() < minRSABits {
			continue
		}
		keys[member.Kid] = signingKey{key: &pub, endorsements: member.Endorsements}
	}
	if len(keys) == 0 {
		return nil, errors.New("signing keys: the key set holds no RSA key")
	}
	return keys, nil
}

// get reads url's body, up to maxMetadataBytes.
func (v *Verifier) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := v.opt.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxMetadataBytes+1))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d from %s", res.StatusCode, u)
	}
	if len(body) > maxMetadataBytes {
		return nil, fmt.Errorf("more than %d bytes from %s", maxMetadataBytes, u)
	}
	return body, nil
}

// truncate shortens s to at most n bytes for a log line.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
