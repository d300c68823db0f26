package slack_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// When a member of a posted trio leaves, the outbox edits the message: it
// names the two still taking part, says a member has left, keeps its tag,
// and shows nothing of the leaver. A second leaver is edited out too.
func TestPostedIntroEditedWhenAMemberLeaves(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			f := newDeliveryFixture(t, target, 3)
			_, d, _ := f.run(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			post, err := f.ws.WaitForCall(ctx, "chat.postMessage", func(c slacktest.Call) bool {
				return c.OK() && strings.Contains(c.Params["metadata"], "rapport_intro")
			})
			if err != nil {
				t.Fatal(err)
			}
			channel := post.Params["channel"]
			var posted struct {
				TS string `json:"ts"`
			}
			if err := json.Unmarshal(post.Response, &posted); err != nil {
				t.Fatal(err)
			}
			// Wait until the send is recorded, so the erasure knows where
			// the message is. Recording makes no Slack call to wait on, so
			// the database is polled.
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for {
				in, err := f.db.RecentIntros(ctx, f.members[1].ID, 1)
				if err == nil && len(in) == 1 && in[0].MessageRef != "" {
					break
				}
				select {
				case <-ctx.Done():
					t.Fatalf("intro never recorded as sent: %v", err)
				case <-tick.C:
				}
			}

			edited := func(n int) slacktest.Message {
				t.Helper()
				if err := f.ws.Wait(ctx, func() bool {
					ok := 0
					for _, c := range f.ws.CallsTo("chat.update") {
						if c.OK() && c.Params["channel"] == channel && c.Params["ts"] == posted.TS {
							ok++
						}
					}
					return ok >= n
				}); err != nil {
					t.Fatalf("intro not edited %d times: %v", n, err)
				}
				for _, m := range f.ws.Messages(channel) {
					if m.TS == posted.TS {
						return m
					}
				}
				t.Fatal("the intro message is gone")
				return slacktest.Message{}
			}

			leaver := f.members[0]
			if err := f.db.DeleteMember(ctx, "slack", leaver.UserID); err != nil {
				t.Fatal(err)
			}
			d.Wake()
			m := edited(1)
			shown := m.Text + " " + string(m.Blocks)
			if strings.Contains(shown, leaver.Name) || strings.Contains(shown, leaver.UserID) {
				t.Errorf("the edited intro still shows the leaver: %s", shown)
			}
			for _, stay := range f.members[1:] {
				if !strings.Contains(shown, stay.Name) || !strings.Contains(shown, "<@"+stay.UserID+">") {
					t.Errorf("the edited intro lost %s: %s", stay.Name, shown)
				}
			}
			if !strings.Contains(shown, "a member who has since left Rapport") || !strings.Contains(string(m.Metadata), "rapport_intro") {
				t.Errorf("edited intro = %s (metadata %s), want it to say a member has left and keep its tag", shown, m.Metadata)
			}

			if err := f.db.DeleteMember(ctx, "slack", f.members[1].UserID); err != nil {
				t.Fatal(err)
			}
			d.Wake()
			m = edited(2)
			shown = m.Text + " " + string(m.Blocks)
			if strings.Contains(shown, f.members[1].Name) || !strings.Contains(shown, f.members[2].Name) || !strings.Contains(shown, "members who have since left") {
				t.Errorf("after a second leaver, the intro = %s", shown)
			}
		})
	}
}
