package bot

import (
	"errors"
	"fmt"
	"time"
)

// Error codes returned by Rapport's services. Callers branch on the code, and
// people see the message, never an internal error string.
const (
	ECONFLICT  = "conflict"  // the action conflicts with the current state
	EINTERNAL  = "internal"  // something went wrong that the user cannot fix
	EINVALID   = "invalid"   // the input is not valid
	ENOTFOUND  = "not_found" // the thing asked for does not exist
	EFORBIDDEN = "forbidden" // the user may not do this
	EEXPIRED   = "expired"   // the thing asked for was valid once, and its time is over
	ELIMIT     = "limit"     // the user has done this as often as they may for now
)

// Subject is what an error is about, so that an error storage returns can
// carry a code and a subject only, and be put into words in bot (see
// error_words.go).
type Subject string

// Subjects of errors.
const (
	AboutMember       Subject = "member"        // the person asking has not joined
	AboutMeetup       Subject = "meetup"        // a meetup
	AboutIntro        Subject = "intro"         // an introduction
	AboutIntroPlace   Subject = "intro_place"   // the person's place in an introduction
	AboutOrganisation Subject = "organisation"  // an organisation, named by Name
	AboutRound        Subject = "round"         // a round of introductions
	AboutIntroRequest Subject = "intro_request" // a request for an introduction
)

// Error is an error with a code, and either a message written for the
// person who caused it or a subject that bot puts into words. Message
// must be safe to show to that person.
type Error struct {
	Code    string
	Message string
	// About is what the error is about, for an error without a Message:
	// ErrorMessage and ErrorText word it from its code and subject.
	About Subject
	// Name is the name the error speaks of, as the person gave it (an
	// organisation's). It is member text, so Error leaves it out.
	Name string
	// Fields holds per-field messages for form validation, keyed by the
	// profile field name (see the Field constants).
	Fields map[string]string
	// Words, when set, is Message with its styles (a command to type, in
	// code); Message is then its plain text.
	Words Text
	// Until, when set, is when a refusal ends (ELIMIT, or ECONFLICT for a
	// request to someone asked lately): bot words the date in the
	// network's time zone.
	Until time.Time
}

// ErrAbout returns an *Error with a code and a subject and no words of its
// own, as storage returns them.
func ErrAbout(code string, about Subject) *Error {
	return &Error{Code: code, About: about}
}

// Refuse returns an *Error whose message is built as P builds text, so a
// command in it can be shown as one.
func Refuse(code string, parts ...any) *Error {
	t := P(parts...)
	return &Error{Code: code, Message: t.Plain(), Words: t}
}

// Error implements the error interface. It is for logs, so it gives the
// code and the subject but none of the words: those may quote what a
// member typed.
func (e *Error) Error() string {
	if e.About != "" {
		return fmt.Sprintf("rapport error: code=%s about=%s", e.Code, e.About)
	}
	return "rapport error: code=" + e.Code
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any
// other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// apology is what a person is told of an error that is not theirs to fix.
const apology = "Sorry, something went wrong on our side. Please try again in a minute; if it keeps happening, tell your network admin."

// ErrorMessage returns the user-facing message of the *Error in err's
// chain, as plain text: its Message, or the words for its code and
// subject. Any other error gets a generic apology.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return ErrorText(err).Plain()
}

// ErrorText returns ErrorMessage as text to show, with its styles.
func ErrorText(err error) Text {
	var e *Error
	if err == nil {
		return nil
	} else if !errors.As(err, &e) {
		return P(apology)
	}
	switch {
	case len(e.Words) > 0:
		return e.Words
	case e.Message != "":
		return P(e.Message)
	}
	if t := errorWords(e); t != nil {
		return t
	}
	return P(apology)
}

// FieldErrors returns the per-field messages of the *Error in err's chain,
// or nil.
func FieldErrors(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
