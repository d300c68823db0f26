package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
)

// ListTeams gives a platform's teams that have the bot, oldest install
// first, and none that removed it or are another platform's.
func TestListTeams(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if got, err := db.ListTeams(ctx, "teams"); err != nil || len(got) != 0 {
			t.Fatalf("no teams: %v, %v", got, err)
		}
		for i, id := range []string{"19:south", "19:north", "19:gone"} {
			team := bot.Team{Platform: "teams", TeamID: id, Name: id, ChannelID: id + "-channel",
				ServiceURL: "https://smba.trafficmanager.net/uk/", InstalledAt: utc.Add(time.Duration(2-i) * time.Hour)}
			if err := db.SaveTeam(ctx, team); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SaveTeam(ctx, bot.Team{Platform: "other", TeamID: "19:elsewhere", InstalledAt: utc}); err != nil {
			t.Fatal(err)
		}
		if err := db.RemoveTeam(ctx, "teams", "19:gone"); err != nil {
			t.Fatal(err)
		}
		got, err := db.ListTeams(ctx, "teams")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].TeamID != "19:north" || got[1].TeamID != "19:south" {
			t.Fatalf("teams = %+v; want north, then south", got)
		}
		if got[0].ChannelID != "19:north-channel" || got[0].ServiceURL == "" || !got[0].InstalledAt.Equal(utc.Add(time.Hour)) {
			t.Errorf("north = %+v", got[0])
		}
	})
}
