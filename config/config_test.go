package config

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"}), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackAPIURL != DefaultSlackAPIURL || c.DataDir != DefaultDataDir || c.Location.String() != "Europe/London" ||
		c.Schedule != DefaultSchedule || c.LogLevel != slog.LevelInfo || c.DatabaseURL != "" {
		t.Fatalf("defaults wrong: %+v", c)
	}
}

func TestLoadSettings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bot-token")
	if err := os.WriteFile(file, []byte("xoxb-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{
		"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN_FILE": file,
		"SLACK_API_URL": "http://127.0.0.1:9999/api", "DATABASE_URL": "postgres://u@h/db",
		"RAPPORT_ADMINS": "U01, W02", "RAPPORT_LOG_LEVEL": "debug", "RAPPORT_TIMEZONE": "UTC",
		"RAPPORT_SCHEDULE": "30 12 * * 3",
	}), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackBotToken != "xoxb-from-file" {
		t.Errorf("token from file = %q", c.SlackBotToken)
	}
	if c.SlackAPIURL != "http://127.0.0.1:9999/api/" {
		t.Errorf("API URL must gain its trailing slash, got %q", c.SlackAPIURL)
	}
	if !c.IsAdmin("U01") || !c.IsAdmin("W02") || c.IsAdmin("U03") {
		t.Errorf("admins = %v", c.Admins)
	}
	if c.LogLevel != slog.LevelDebug || c.Location != time.UTC {
		t.Errorf("level %v, location %v", c.LogLevel, c.Location)
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"no platform", map[string]string{}, []string{"no chat platform is set up", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN",
			"TEAMS_APP_ID", "TEAMS_APP_PASSWORD or TEAMS_APP_PASSWORD_FILE", "TEAMS_TENANT_ID"}},
		{"slack app token only", map[string]string{"SLACK_APP_TOKEN": "xapp-1"}, []string{"Slack is only partly set up: SLACK_BOT_TOKEN is not set"}},
		{"slack bot token only", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, []string{"Slack is only partly set up: SLACK_APP_TOKEN is not set"}},
		{"tokens swapped", map[string]string{"SLACK_APP_TOKEN": "xoxb-1", "SLACK_BOT_TOKEN": "xapp-1"}, []string{`SLACK_APP_TOKEN does not start with "xapp-"`, `SLACK_BOT_TOKEN does not start with "xoxb-"`}},
		{"both value and file", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_APP_TOKEN_FILE": "/x", "SLACK_BOT_TOKEN": "xoxb-1"}, []string{"both SLACK_APP_TOKEN and SLACK_APP_TOKEN_FILE"}},
		{"file missing", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN_FILE": "/nonexistent/token"}, []string{"SLACK_BOT_TOKEN_FILE: cannot read"}},
		{"bad url", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_URL": "slack.com"}, []string{"SLACK_API_URL must be an http(s) URL"}},
		{"bad database", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "DATABASE_URL": "mysql://x"}, []string{"DATABASE_URL must start with postgres://"}},
		{"bad zone", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "RAPPORT_TIMEZONE": "Mars/Olympus"}, []string{"RAPPORT_TIMEZONE"}},
		{"bad admin", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "RAPPORT_ADMINS": "@alice"}, []string{"RAPPORT_ADMINS: \"@alice\""}},
		{"channel name not ID", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "RAPPORT_ANNOUNCE_CHANNEL": "#general"}, []string{"RAPPORT_ANNOUNCE_CHANNEL", "not its name"}},
		{"bad level", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "RAPPORT_LOG_LEVEL": "loud"}, []string{"RAPPORT_LOG_LEVEL"}},
		{"bad schedule", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "RAPPORT_SCHEDULE": "every monday"}, []string{"RAPPORT_SCHEDULE", "five fields"}},
		{"schedule in clock-change hours", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "RAPPORT_SCHEDULE": "30 1 * * 0"}, []string{"RAPPORT_SCHEDULE", "01:30", "01:00 to 02:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(tt.env), true)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, secret := range []string{"xapp-1", "xoxb-1"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks a token: %q", err)
				}
			}
		})
	}
}

func TestTokensOptionalWithoutSlack(t *testing.T) {
	if _, err := Load(env(map[string]string{}), false); err != nil {
		t.Fatalf("migrate needs no tokens: %v", err)
	}
}

func TestNextRun(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	from := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) // Sunday
	got := NextRun(DefaultSchedule, london, from)
	if want := "2026-11-23 09:00 GMT"; got.Format("2006-01-02 15:04 MST") != want {
		t.Errorf("next run = %s, want %s", got.Format("2006-01-02 15:04 MST"), want)
	}
	summer := NextRun(DefaultSchedule, london, time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)) // a Monday after 09:00 BST
	if want := "2026-06-08 09:00 BST"; summer.Format("2006-01-02 15:04 MST") != want {
		t.Errorf("next summer run = %s, want %s", summer.Format("2006-01-02 15:04 MST"), want)
	}
}

// A schedule is refused only when it would fire in the hours its zone's
// clocks actually skip or repeat, and the message says which hours.
func TestScheduleClockChanges(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		zone, spec string
		want       []string // parts of the refusal; none when accepted
	}{
		{"Europe/London", "0 9 * * 1", nil},
		{"Europe/London", "0 2 * * *", nil},  // the clocks change at 01:00 GMT and 02:00 BST
		{"Europe/London", "30 1 * * 1", nil}, // they change on Sundays only
		{"Europe/London", "30 1 * * 0", []string{"01:30 on Sunday 29 March 2026", "go forward", "01:00 to 02:00 does not happen"}},
		{"Europe/London", "0 1 * 10 *", []string{"01:00 on Sunday 25 October 2026", "go back", "01:00 to 02:00 happens twice"}},
		{"UTC", "30 1 * * *", nil},
		{"Asia/Kolkata", "30 2 * * *", nil},
		{"America/New_York", "30 2 * * *", []string{"02:30 on Sunday 8 March 2026", "America/New_York", "outside 01:00 to 03:00"}},
		{"America/New_York", "30 1 * 11 *", []string{"01:30 on Sunday 1 November 2026", "happens twice"}},
		{"Australia/Lord_Howe", "15 2 * * 0", []string{"02:00 to 02:30 does not happen"}},
		{"Australia/Lord_Howe", "45 2 * * *", nil},
		{"Europe/London", "CRON_TZ=America/New_York 30 2 * * *", []string{"America/New_York", "does not happen"}},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.spec, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			err = checkSchedule(tt.spec, loc, now)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted, want it refused")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
		})
	}
}

func TestAskLimit(t *testing.T) {
	env := map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"}
	for _, c := range []struct {
		value string
		want  int
		ok    bool
	}{{"", 3, true}, {"5", 5, true}, {"0", 0, false}, {"three", 0, false}, {"101", 0, false}} {
		env["RAPPORT_ASK_LIMIT"] = c.value
		cfg, err := Load(func(k string) string { return env[k] }, true)
		if c.ok != (err == nil) {
			t.Errorf("RAPPORT_ASK_LIMIT=%q: err = %v, want ok %v", c.value, err, c.ok)
			continue
		}
		if err == nil && cfg.AskLimit != c.want {
			t.Errorf("RAPPORT_ASK_LIMIT=%q: AskLimit = %d, want %d", c.value, cfg.AskLimit, c.want)
		}
		if err != nil && !strings.Contains(err.Error(), "RAPPORT_ASK_LIMIT") {
			t.Errorf("RAPPORT_ASK_LIMIT=%q: error %q does not name the setting", c.value, err)
		}
	}
}
