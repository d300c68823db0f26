package teamstest_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// BenchmarkCreateAndSend measures the stand-in's own cost of one intro as
// the adapter delivers it (create the 1:1, send one message), so a
// delivery benchmark can tell the stand-in's overhead from the adapter's.
func BenchmarkCreateAndSend(b *testing.B) {
	s := newServer(b)
	team := s.AddTeam("Riverside PCN")
	for i := range 200 {
		u := s.AddUser(fmt.Sprintf("Member %d", i), fmt.Sprintf("m%d@nhs.net", i))
		_, _ = team.AddMember(u)
	}
	newBot(b, s)
	if _, err := team.Install(""); err != nil {
		b.Fatal(err)
	}
	c := newConnector(b, s)
	users := team.Members()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		chat := c.create(users[i%len(users)])
		status, _, _ := c.do("POST", "v3/conversations/"+url.PathEscape(chat)+"/activities", schema.Activity{Type: "message", Text: "Your intro"})
		if status != 200 {
			b.Fatalf("send: HTTP %d", status)
		}
	}
}
