package teamstest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// signingKey is an RSA key and what the JWKS says of it.
type signingKey struct {
	kid          string
	priv         *rsa.PrivateKey
	endorsements []string
}

// rsaKeys holds the RSA keys generated so far in this process. Keys are
// slow to make and carry no state, so every Server draws from the same
// list: the i-th key of one server is the i-th key of any other.
var rsaKeys struct {
	mu   sync.Mutex
	keys []*rsa.PrivateKey
}

func rsaKey(i int) *rsa.PrivateKey {
	rsaKeys.mu.Lock()
	defer rsaKeys.mu.Unlock()
	for len(rsaKeys.keys) <= i {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(fmt.Sprintf("teamstest: generate RSA key: %v", err))
		}
		rsaKeys.keys = append(rsaKeys.keys, k)
	}
	return rsaKeys.keys[i]
}

// foreign is a key no server publishes.
var foreign struct {
	once sync.Once
	key  *rsa.PrivateKey
}

func foreignKey() *rsa.PrivateKey {
	foreign.once.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(fmt.Sprintf("teamstest: generate RSA key: %v", err))
		}
		foreign.key = k
	})
	return foreign.key
}

// newKeyLocked makes the server's next key and publishes it.
func (s *Server) newKeyLocked(endorsements []string) *signingKey {
	priv := rsaKey(s.keyCount)
	s.keyCount++
	k := &signingKey{
		kid:          s.opaqueLocked(27), // seeded, so runs repeat
		priv:         priv,
		endorsements: endorsements,
	}
	s.keys = append(s.keys, k)
	return k
}

// KeyID returns the key ID (kid) of the key that signs activities now.
func (s *Server) KeyID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signer.kid
}

// OtherChannelKeyID returns the key ID of the published key whose
// endorsements name another channel ("webchat") and not msteams.
func (s *Server) OtherChannelKeyID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.other.kid
}

// RotateKeys publishes a new key, endorsed for msteams, and signs every
// later activity with it, as the Bot Framework rolls its keys. The old
// keys stay published until DropKey. It returns the new key ID.
func (s *Server) RotateKeys() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signer = s.newKeyLocked([]string{"msteams"})
	s.notifyLocked()
	return s.signer.kid
}

// DropKey removes the key with kid from the JWKS. Tokens it signed no
// longer verify against the published keys.
func (s *Server) DropKey(kid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range s.keys {
		if k.kid == kid {
			s.keys = append(s.keys[:i:i], s.keys[i+1:]...)
			break
		}
	}
	s.notifyLocked()
}

func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	body := map[string]any{
		"issuer":                                Issuer,
		"authorization_endpoint":                "https://invalid.botframework.com",
		"jwks_uri":                              s.JWKSURL(),
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
	}
	s.writeJSONRecorded(w, r, "metadata", "", http.StatusOK, body, nil)
}

func (s *Server) serveKeys(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	keys := make([]map[string]any, 0, len(s.keys))
	for _, k := range s.keys {
		keys = append(keys, map[string]any{
			"kty":          "RSA",
			"use":          "sig",
			"kid":          k.kid,
			"n":            base64.RawURLEncoding.EncodeToString(k.priv.N.Bytes()),
			"e":            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.priv.E)).Bytes()),
			"endorsements": k.endorsements,
		})
	}
	s.mu.Unlock()
	s.writeJSONRecorded(w, r, "keys", "", http.StatusOK, map[string]any{"keys": keys}, nil)
}

// SignOptions changes how SignToken signs.
type SignOptions struct {
	// KeyID, if set, is written as the header's kid instead of the signing
	// key's own (a kid the JWKS does not have, for instance).
	KeyID string
	// OmitKeyID leaves kid out of the header.
	OmitKeyID bool
	// Alg is the algorithm: "RS256" (the default), "RS384", "RS512",
	// "HS256" (keyed with HMACKey) or "none" (no signature).
	Alg string
	// HMACKey keys an HS256 signature. The default is the app password, the
	// classic confusion attack.
	HMACKey []byte
	// Unendorsed signs with the published key that is endorsed for another
	// channel only.
	Unendorsed bool
	// Foreign signs with a key that is not published at all.
	Foreign bool
}

// Claims returns the claims the Bot Framework puts in the token of an
// activity for this server's bot: iss, aud (the app ID), serviceurl, nbf,
// exp (an hour) and iat, on the server's clock. Tests change them and pass
// them to SignToken.
func (s *Server) Claims() map[string]any {
	now := s.now()
	return map[string]any{
		"iss":        Issuer,
		"aud":        s.cfg.appID,
		"serviceurl": s.ServiceURL(),
		"nbf":        now.Add(-5 * time.Minute).Unix(),
		"iat":        now.Unix(),
		"exp":        now.Add(time.Hour).Unix(),
	}
}

// SignToken returns a compact JWT of claims, signed as opt says (by default
// RS256 with the current signing key and its kid).
func (s *Server) SignToken(claims map[string]any, opt SignOptions) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("teamstest: claims: %w", err)
	}
	s.mu.Lock()
	key := s.signer
	if opt.Unendorsed {
		key = s.other
	}
	if opt.Foreign {
		sum := sha256.Sum256([]byte("foreign"))
		key = &signingKey{kid: base64.RawURLEncoding.EncodeToString(sum[:15]), priv: foreignKey()}
	}
	s.mu.Unlock()
	kid := key.kid
	if opt.KeyID != "" {
		kid = opt.KeyID
	}
	if opt.OmitKeyID {
		kid = ""
	}
	algName := opt.Alg
	if algName == "" {
		algName = "RS256"
	}
	if algName == "none" {
		hdr := map[string]any{"alg": "none", "typ": "JWT"}
		if kid != "" {
			hdr["kid"] = kid
		}
		h, _ := json.Marshal(hdr)
		return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(payload) + ".", nil
	}
	alg, ok := jwa.LookupSignatureAlgorithm(algName)
	if !ok {
		return "", fmt.Errorf("teamstest: unknown algorithm %q", algName)
	}
	var signKey any = key.priv
	if strings.HasPrefix(algName, "HS") {
		signKey = opt.HMACKey
		if signKey == nil || len(opt.HMACKey) == 0 {
			signKey = []byte(s.cfg.password)
		}
	}
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.TypeKey, "JWT")
	if kid != "" {
		_ = hdr.Set(jws.KeyIDKey, kid)
	}
	tok, err := jws.Sign(payload, jws.WithKey(alg, signKey, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return "", fmt.Errorf("teamstest: sign: %w", err)
	}
	return string(tok), nil
}

// activityAuth returns the Authorization header of an activity the server
// sends to the bot.
func (s *Server) activityAuth() string {
	tok, err := s.SignToken(s.Claims(), SignOptions{})
	if err != nil {
		panic(err) // cannot happen with the server's own claims and key
	}
	return "Bearer " + tok
}

// issuedToken is an access token the token endpoint gave out.
type issuedToken struct {
	expires time.Time
	revoked bool
}

// ExpireTokens makes every access token issued so far stop working: the
// Connector answers 401 to them, as it does to expired ones. New tokens
// from the token endpoint work.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.revoked = true
	}
}

// TokensIssued returns how many access tokens the token endpoint has
// given out.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tokens)
}

// aadError is an Entra token endpoint error answer.
type aadError struct {
	status int
	code   string // OAuth error: invalid_request, invalid_client, ...
	aadsts int
	desc   string
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	tenant, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if rest != "oauth2/v2.0/token" || r.Method != http.MethodPost || tenant == "" {
		s.writeJSONRecorded(w, r, "unknown", "", http.StatusNotFound, map[string]any{"error": map[string]any{"code": "NotFound", "message": "Not found."}}, &errorInfo{code: "NotFound"})
		return
	}
	if f, ok := s.takeFault("token", ""); ok {
		s.writeTokenError(w, r, f.status, f.retryAfter, &aadError{status: f.status, code: "temporarily_unavailable", aadsts: 50196, desc: "The server is temporarily unavailable."})
		return
	}
	if err := r.ParseForm(); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		s.writeTokenError(w, r, 0, 0, &aadError{http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."})
		return
	}
	f := r.PostForm
	if id, secret, ok := r.BasicAuth(); ok { // client_secret_basic
		if f.Get("client_id") != "" && f.Get("client_id") != id {
			s.writeTokenError(w, r, 0, 0, &aadError{http.StatusBadRequest, "invalid_request", 90014, "The client_id in the Authorization header does not match the one in the body."})
			return
		}
		f.Set("client_id", id)
		f.Set("client_secret", secret)
	}
	var e *aadError
	switch {
	case f.Get("grant_type") == "":
		e = &aadError{http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."}
	case f.Get("grant_type") != "client_credentials":
		e = &aadError{http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '" + f.Get("grant_type") + "'."}
	case f.Get("client_id") == "":
		e = &aadError{http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'."}
	case tenant != s.cfg.tenantID && tenant != "botframework.com":
		e = &aadError{http.StatusBadRequest, "invalid_request", 90002, "Tenant '" + tenant + "' not found."}
	case f.Get("client_id") != s.cfg.appID || tenant == "botframework.com":
		e = &aadError{http.StatusBadRequest, "unauthorized_client", 700016, "Application with identifier '" + f.Get("client_id") + "' was not found in the directory '" + tenant + "'."}
	case f.Get("client_secret") == "":
		e = &aadError{http.StatusUnauthorized, "invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."}
	case f.Get("client_secret") != s.cfg.password:
		e = &aadError{http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided."}
	case f.Get("scope") == "":
		e = &aadError{http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'."}
	case f.Get("scope") != Scope:
		if !strings.HasSuffix(f.Get("scope"), "/.default") {
			e = &aadError{http.StatusBadRequest, "invalid_scope", 1002012, "The provided value for scope " + f.Get("scope") + " is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."}
		} else {
			e = &aadError{http.StatusBadRequest, "invalid_resource", 500011, "The resource principal named " + strings.TrimSuffix(f.Get("scope"), "/.default") + " was not found in the tenant."}
		}
	}
	if e != nil {
		s.writeTokenError(w, r, 0, 0, e)
		return
	}
	now := s.now()
	life := s.cfg.tokenLifetime
	claims := map[string]any{
		"aud":   Issuer,
		"iss":   "https://sts.windows.net/" + s.cfg.tenantID + "/",
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(life).Unix(),
		"appid": s.cfg.appID,
		"tid":   s.cfg.tenantID,
	}
	s.mu.Lock()
	claims["jti"] = s.hexLocked(16)
	s.mu.Unlock()
	tok, err := s.SignToken(claims, SignOptions{})
	if err != nil {
		s.writeTokenError(w, r, 0, 0, &aadError{http.StatusInternalServerError, "server_error", 50000, err.Error()})
		return
	}
	s.mu.Lock()
	s.tokens[tok] = &issuedToken{expires: now.Add(life)}
	s.mu.Unlock()
	secs := int(life / time.Second)
	s.writeJSONRecorded(w, r, "token", "", http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": tok,
	}, nil)
}

func (s *Server) writeTokenError(w http.ResponseWriter, r *http.Request, status int, retryAfter time.Duration, e *aadError) {
	if status == 0 {
		status = e.status
	}
	if retryAfter > 0 {
		w.Header().Set("Retry-After", retryAfterHeader(retryAfter, 1))
	}
	s.mu.Lock()
	trace := s.guidLocked()
	s.mu.Unlock()
	body := map[string]any{
		"error":             e.code,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s", e.aadsts, e.desc, trace),
		"error_codes":       []int{e.aadsts},
		"timestamp":         s.now().UTC().Format("2006-01-02 15:04:05Z"),
		"trace_id":          trace,
		"correlation_id":    trace,
	}
	s.writeJSONRecorded(w, r, "token", "", status, body, &errorInfo{code: e.code})
}

// errBadToken is why a Connector request was not authorised.
var errBadToken = errors.New("Authorization has been denied for this request.")

// checkBearer reports whether the request carries a live access token
// from the token endpoint.
func (s *Server) checkBearer(r *http.Request) error {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return errBadToken
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[tok]
	if !ok || t.revoked || !s.now().Before(t.expires) {
		return errBadToken
	}
	return nil
}
