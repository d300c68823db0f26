package web

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/rapport-pcn/rapport/bot"
)

// CookieName is the session cookie's name.
const CookieName = "rapport_session"

// CSRFField is the form field every POST carries the session's CSRF token
// in.
const CSRFField = "csrf"

// maxTokenLen bounds a token read from a path or a cookie: the tokens
// made are 26 characters, so anything much longer is not worth a lookup.
const maxTokenLen = 64

// maxForm bounds a form's body: the largest is an organisation's name.
const maxForm = 64 << 10

// askForLink is how to get a sign-in link, said wherever one is needed.
const askForLink = "To sign in, type /introduce-me admin dashboard in Slack (or the same command to Rapport in Teams): the bot sends you a link that works once, for 10 minutes."

func validToken(t string) bool {
	return t != "" && len(t) <= maxTokenLen && !strings.ContainsAny(t, "/ ")
}

// signInPage shows a sign-in link's page. Chat platforms open links to
// preview them, so only the button's POST spends the link.
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	if !validToken(r.PathValue("token")) {
		s.pages.message(w, http.StatusNotFound, nil, "This sign-in link does not work", "This is not a link Rapport made. "+askForLink)
		return
	}
	s.pages.render(w, http.StatusOK, "sign-in", view{Title: "Sign in to Rapport"})
}

// signIn spends the link, starts a session and sets its cookie.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if !validToken(token) {
		s.pages.message(w, http.StatusNotFound, nil, "This sign-in link does not work", "This is not a link Rapport made. "+askForLink)
		return
	}
	_, secret, err := s.o.Admin.SignIn(r.Context(), token)
	if err != nil {
		status, heading, text := http.StatusInternalServerError, "Sign-in did not work", "Sorry, something went wrong on our side. Please ask the bot for a new link in a minute. "+askForLink
		switch bot.ErrorCode(err) {
		case bot.ENOTFOUND:
			status, heading, text = http.StatusUnauthorized, "This sign-in link does not work", "This is not a link Rapport made, or it has been replaced. "+askForLink
		case bot.ECONFLICT:
			status, heading, text = http.StatusGone, "This sign-in link has been used", "Each link signs in once, and this one has been used already. "+askForLink
		case bot.EEXPIRED:
			status, heading, text = http.StatusGone, "This sign-in link has expired", "Each link works for 10 minutes, and this one is older. "+askForLink
		case bot.EFORBIDDEN:
			status, heading, text = http.StatusForbidden, "Only network admins can sign in", bot.ErrorMessage(err)
		default:
			s.o.Log.Error("sign in", "err", err)
		}
		s.pages.message(w, status, nil, heading, text)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: secret, Path: "/admin",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(),
	})
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

// secure says whether cookies may only go over https: whenever the pages
// are reached over it.
func (s *Server) secure() bool { return strings.HasPrefix(s.o.PublicURL, "https://") }

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: "/admin", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(),
	})
}

// adminHandler is a page for a signed-in admin.
type adminHandler func(w http.ResponseWriter, r *http.Request, sess *bot.Session)

// signedIn serves h to a signed-in admin only, and a POST only with the
// session's CSRF token.
func (s *Server) signedIn(h adminHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := s.session(w, r)
		if !ok {
			return
		}
		if r.Method == http.MethodPost && !s.csrfOK(w, r, sess) {
			return
		}
		h(w, r, sess)
	})
}

// session returns the request's session, or answers with why there is
// none.
func (s *Server) session(w http.ResponseWriter, r *http.Request) (*bot.Session, bool) {
	secret := ""
	if c, err := r.Cookie(CookieName); err == nil && validToken(c.Value) {
		secret = c.Value
	}
	sess, err := s.o.Admin.Session(r.Context(), secret)
	switch bot.ErrorCode(err) {
	case "":
		return sess, true
	case bot.ENOTFOUND:
		if secret != "" {
			s.clearCookie(w)
		}
		s.pages.message(w, http.StatusUnauthorized, nil, "You're not signed in",
			"The admin pages need you to sign in first; a session ends after 8 hours without use. "+askForLink)
	case bot.EFORBIDDEN:
		// Their rights have gone: the session goes with them.
		if err := s.o.Admin.SignOut(r.Context(), secret); err != nil {
			s.o.Log.Error("end the session of a former admin", "err", err)
		}
		s.clearCookie(w)
		s.pages.message(w, http.StatusForbidden, nil, "You're no longer a network admin", bot.ErrorMessage(err))
	default:
		s.o.Log.Error("read a session", "err", err)
		s.pages.message(w, http.StatusInternalServerError, nil, "Sorry, this page could not be shown", "Something went wrong on our side. Please try again in a minute.")
	}
	return nil, false
}

// csrfOK checks a form's CSRF token, and refuses the form without it.
func (s *Server) csrfOK(w http.ResponseWriter, r *http.Request, sess *bot.Session) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	got := ""
	if err := r.ParseForm(); err == nil {
		got = r.PostForm.Get(CSRFField)
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
		s.pages.message(w, http.StatusForbidden, sess, "That form has expired",
			"Nothing was changed: the form was not one from this session. Please go back, reload the page and try again.")
		return false
	}
	return true
}

// signOut ends the session.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.session(w, r)
	if !ok || !s.csrfOK(w, r, sess) {
		return
	}
	c, _ := r.Cookie(CookieName)
	if err := s.o.Admin.SignOut(r.Context(), c.Value); err != nil {
		s.o.Log.Error("sign out", "err", err)
	}
	s.clearCookie(w)
	s.pages.message(w, http.StatusOK, nil, "You're signed out", "You can close this page. "+askForLink)
}
