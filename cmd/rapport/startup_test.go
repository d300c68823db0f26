package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// A token Slack refuses stops the bot with the reason, before any round is
// planned: no round stored for a bot that cannot send it, and no "round
// failed" in the log to send an admin looking in the wrong place.
func TestBadTokenStopsBeforeAnyRound(t *testing.T) {
	tests := []struct {
		name, env, token, cause string
	}{
		{"bot token", "SLACK_BOT_TOKEN", "xoxb-not-the-real-one", "Slack refused SLACK_BOT_TOKEN"},
		{"app token", "SLACK_APP_TOKEN", "xapp-not-the-real-one", "Slack refused SLACK_APP_TOKEN"},
	}
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ws := slacktest.New()
			t.Cleanup(ws.Close)
			// Enough members that a round takes a while to plan.
			seedMembers(t, ws, target, 300)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					env := map[string]string{
						"SLACK_APP_TOKEN": ws.AppToken(), "SLACK_BOT_TOKEN": ws.BotToken(), "SLACK_API_URL": ws.APIURL(),
						"DATABASE_URL": target.URL, "RAPPORT_DATA_DIR": target.DataDir, "RAPPORT_LOG_LEVEL": "debug", "RAPPORT_HTTP_ADDR": "127.0.0.1:0",
					}
					env[tt.env] = tt.token
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					var logs syncBuffer
					if code := run(ctx, []string{"serve"}, func(k string) string { return env[k] }, &logs, &logs); code == 0 {
						t.Fatalf("serve ran with a bad %s:\n%s", tt.env, logs.String())
					}
					if !strings.Contains(logs.String(), tt.cause) {
						t.Errorf("the log does not say %q:\n%s", tt.cause, logs.String())
					}
					if strings.Contains(logs.String(), "round failed") || strings.Contains(logs.String(), "round planned") {
						t.Errorf("a round was tried with a bad token:\n%s", logs.String())
					}
					db, err := storage.Open(ctx, target.URL, target.DataDir)
					if err != nil {
						t.Fatal(err)
					}
					defer db.Close()
					if r, err := db.LatestRound(ctx); bot.ErrorCode(err) != bot.ENOTFOUND {
						t.Errorf("a round was stored with a bad token: %+v, %v", r, err)
					}
				})
			}
		})
	}
}
