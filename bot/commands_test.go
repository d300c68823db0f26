package bot

import (
	"slices"
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		text, name string
		args       []string
		suggest    string // expected suggestion in the error; "" for no error
	}{
		{text: "", name: ""},
		{text: "  STATUS ", name: "status"},
		{text: "pause 3 weeks", name: "pause", args: []string{"3", "weeks"}},
		{text: "paws", suggest: "pause"},
		{text: "stauts", suggest: "status"},
		{text: "exp", suggest: "export"},
		{text: "resmue", suggest: "resume"},
		{text: "xyzzy", suggest: "-"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			c, err := ParseCommand(tt.text)
			if tt.suggest == "" {
				if err != nil || c.Name != tt.name || strings.Join(c.Args, " ") != strings.Join(tt.args, " ") {
					t.Fatalf("got %+v, %v", c, err)
				}
				return
			}
			msg := ErrorMessage(err)
			if ErrorCode(err) != EINVALID || !strings.Contains(msg, "I don't know") {
				t.Fatalf("err = %v", err)
			}
			if tt.suggest == "-" {
				if strings.Contains(msg, "Did you mean") {
					t.Errorf("suggested something for nonsense: %s", msg)
				}
			} else if !slices.Contains(ErrorText(err), Cmd(tt.suggest)) {
				t.Errorf("message %q does not suggest %q as a command", msg, tt.suggest)
			}
		})
	}
}
