package bot

import (
	"errors"
	"fmt"
)

// Error codes returned by Rapport's services. Callers branch on the code, and
// people see the message, never an internal error string.
const (
	ECONFLICT  = "conflict"  // the action conflicts with the current state
	EINTERNAL  = "internal"  // something went wrong that the user cannot fix
	EINVALID   = "invalid"   // the input is not valid
	ENOTFOUND  = "not_found" // the thing asked for does not exist
	EFORBIDDEN = "forbidden" // the user may not do this
)

// Error is an error with a code and a message written for the person who
// caused it. Message must be safe to show to that person.
type Error struct {
	Code    string
	Message string
	// Fields holds per-field messages for form validation, keyed by the
	// profile field name (see the Field constants).
	Fields map[string]string
	// Words, when set, is Message with its styles (a command to type, in
	// code); Message is then its plain text.
	Words Text
}

// Refuse returns an *Error whose message is built as P builds text, so a
// command in it can be shown as one.
func Refuse(code string, parts ...any) *Error {
	t := P(parts...)
	return &Error{Code: code, Message: t.Plain(), Words: t}
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("rapport error: code=%s message=%s", e.Code, e.Message)
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

// ErrorMessage returns the user-facing message of the *Error in err's chain,
// or a generic apology for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Sorry, something went wrong on our side. Please try again in a minute; if it keeps happening, tell your network admin."
}

// ErrorText returns ErrorMessage as text to show, with its styles.
func ErrorText(err error) Text {
	var e *Error
	if errors.As(err, &e) && len(e.Words) > 0 {
		return e.Words
	}
	return P(ErrorMessage(err))
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
