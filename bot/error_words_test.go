package bot

import (
	"fmt"
	"strings"
	"testing"
)

// Errors storage returns carry a code and a subject only; bot words them,
// and the words are the sentences people have always read.
func TestErrorWords(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"not joined", ErrAbout(ENOTFOUND, AboutMember), "You haven't joined yet. Run /introduce-me to set up your profile."},
		{"no such meetup", ErrAbout(ENOTFOUND, AboutMeetup), "That meetup does not exist."},
		{"cancelled meetup", ErrAbout(ECONFLICT, AboutMeetup), "That meetup has been cancelled."},
		{"no such intro", ErrAbout(ENOTFOUND, AboutIntro), "That introduction no longer exists."},
		{"not in the intro", ErrAbout(ENOTFOUND, AboutIntroPlace), "You are not part of that introduction."},
		{"organisation without a name", ErrAbout(EINVALID, AboutOrganisation), "Please give the organisation's name."},
		{"organisation listed", &Error{Code: ECONFLICT, About: AboutOrganisation, Name: "Riverside Surgery"}, "Riverside Surgery is already on the list."},
		{"organisation not listed", &Error{Code: ENOTFOUND, About: AboutOrganisation, Name: "Riverside Surgery"}, "Riverside Surgery is not on the list of organisations."},
		{"round already run", ErrAbout(ECONFLICT, AboutRound), "A round has already run for this period."},
		{"no round yet", ErrAbout(ENOTFOUND, AboutRound), "No round has run yet."},
		{"a subject without words for the code", ErrAbout(EFORBIDDEN, AboutRound), apology},
		{"a message of its own wins", &Error{Code: ENOTFOUND, About: AboutMember, Message: "We hold no profile for you."}, "We hold no profile for you."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wrapped := fmt.Errorf("somewhere: %w", tt.err)
			if got := ErrorMessage(wrapped); got != tt.want {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.want)
			}
			if got := ErrorText(wrapped).Plain(); got != tt.want {
				t.Errorf("ErrorText = %q, want %q", got, tt.want)
			}
			if ErrorCode(wrapped) != tt.err.Code {
				t.Errorf("ErrorCode = %q, want %q", ErrorCode(wrapped), tt.err.Code)
			}
		})
	}

	t.Run("the command to type is shown as code", func(t *testing.T) {
		var code []string
		for _, s := range ErrorText(ErrAbout(ENOTFOUND, AboutMember)) {
			if s.Code {
				code = append(code, s.Text)
			}
		}
		if len(code) != 1 || code[0] != CommandName {
			t.Errorf("code spans = %q, want [%q]", code, CommandName)
		}
	})

	t.Run("logs never quote a name", func(t *testing.T) {
		err := &Error{Code: ECONFLICT, About: AboutOrganisation, Name: "Dr <Secret> Practice"}
		if s := err.Error(); strings.Contains(s, "Secret") || !strings.Contains(s, ECONFLICT) || !strings.Contains(s, string(AboutOrganisation)) {
			t.Errorf("Error() = %q, want the code and subject without the name", s)
		}
		titled := Errorf(ECONFLICT, "“%s” has been cancelled, so it can't be changed.", "Secret supper")
		if s := titled.Error(); strings.Contains(s, "Secret") {
			t.Errorf("Error() = %q quotes the message", s)
		}
	})
}
