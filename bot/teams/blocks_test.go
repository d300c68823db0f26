package teams_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// In Teams members block from the people they have been introduced to, or
// by exact work email; "Not a good match" in a trio asks which person. The
// person blocked sees nothing of it.
func TestBlocksInTeams(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t, target, "ana.lima@nhs.net")
			r.addOrganisations()
			ana := r.s.AddUser("Ana Lima", "ana.lima@nhs.net")
			ben := r.s.AddUser("Ben Okoro", "ben.okoro@nhs.net")
			cara := r.s.AddUser("Cara Diaz", "cara.diaz@nhs.net")
			r.join(ana, "Riverside Surgery")
			r.join(ben, "Northfield Pharmacy")
			r.join(cara, "Eastgate Housing")
			// Dev installed Rapport but never joined: an account, no member.
			dev := r.s.AddUser("Dev Patel", "dev.patel@nhs.net")
			if res, err := dev.InstallPersonal(); err != nil || res.Err != nil {
				t.Fatalf("installing: %v %v", err, res)
			}
			r.waitCard(dev, 1)
			r.deliver()

			// Before any intro there is nobody to choose from.
			if got := seenText(r.say(ana, "block").CardText()); !strings.Contains(got, "People you've been introduced to") || !strings.Contains(got, "Nobody yet") {
				t.Errorf("block before any intro:\n%s", got)
			}

			r.runRound(ana)
			intro := r.waitIntro(ana)
			if !strings.Contains(seenText(intro.CardText()), "We'll ask which of them") {
				t.Errorf("the trio's confirm does not say it will ask which:\n%s", intro.CardText())
			}
			r.press(ana, intro, "Yes", nil)
			which := r.waitFor(ana, func(m teamstest.Message) bool {
				return strings.Contains(seenText(m.CardText()), "Who would you rather not be introduced to again?")
			})
			for _, b := range []string{"Ben Okoro", "Cara Diaz", "Both"} {
				if _, ok := which.Button(b); !ok {
					t.Errorf("the trio's question has no %q button:\n%s", b, which.CardText())
				}
			}
			res := r.press(ana, which, "Ben Okoro", nil)
			if res.Card == nil || !strings.Contains(seenText(teamstest.CardText(res.Card)), "We won't introduce you to Ben Okoro again") {
				t.Fatalf("choosing Ben: %q", teamstest.CardText(res.Card))
			}
			blocks, err := r.db.MemberBlocks(ctx, teams.Platform, ana.ID)
			if err != nil || len(blocks) != 1 || blocks[0].Name != "Ben Okoro" {
				t.Fatalf("Ana's blocks = %+v, %v; want Ben alone", blocks, err)
			}

			// The list offers Cara, whom Ana met and has not blocked, and
			// Ben to unblock.
			list := r.say(ana, "blocks")
			text := seenText(list.CardText())
			if !strings.Contains(text, "Ben Okoro") || !strings.Contains(text, "Cara Diaz") {
				t.Errorf("Ana's blocks:\n%s", text)
			}
			r.press(ana, list, "Block", nil)
			r.waitFor(ana, func(m teamstest.Message) bool {
				return strings.Contains(seenText(m.CardText()), "you won't be introduced to Cara Diaz")
			})

			// By email, whatever its case; an address of someone who never
			// joined, or of nobody, gets the same answer.
			r.press(ana, r.say(ana, "blocks"), "Unblock", nil) // Ben
			r.waitFor(ana, func(m teamstest.Message) bool {
				return strings.Contains(seenText(m.CardText()), "may be introduced to Ben Okoro again")
			})
			member := r.say(ana, "block Ben.Okoro@NHS.net").CardText()
			for _, other := range []string{"block dev.patel@nhs.net", "block nobody.here@nhs.net"} {
				if got := r.say(ana, other).CardText(); got != member {
					t.Errorf("%q says %q; blocking a member says %q", other, got, member)
				}
			}
			if got := seenText(r.say(ana, "block ana.lima@nhs.net").CardText()); !strings.Contains(got, "can't block yourself") {
				t.Errorf("blocking oneself:\n%s", got)
			}
			if got := seenText(r.say(ana, "block Ben").CardText()); !strings.Contains(got, "couldn't tell who you mean") || strings.Contains(got, "Dev Patel") {
				t.Errorf("block by a bare name:\n%s", got)
			}
			blocks, _ = r.db.MemberBlocks(ctx, teams.Platform, ana.ID)
			if len(blocks) != 2 {
				t.Errorf("Ana's blocks = %+v; want Ben and Cara", blocks)
			}

			// Ben sees nothing of it: his own list has no blocks, his status
			// says nothing of any.
			if got := seenText(r.say(ben, "blocks").CardText()); !strings.Contains(got, "You haven't blocked anyone") {
				t.Errorf("Ben's blocks:\n%s", got)
			}
			if got := strings.ToLower(r.say(ben, "status").CardText()); strings.Contains(got, "block") || strings.Contains(got, "not a good match") {
				t.Errorf("Ben's status speaks of blocks:\n%s", got)
			}
			x, err := r.core.Service.Export(ctx, bot.User{Platform: teams.Platform, ID: ben.ID})
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := json.Marshal(x); len(x.NotAMatch) != 0 || strings.Contains(string(b), "not_a_good_match") {
				t.Errorf("Ben's export shows a block: %s", b)
			}
		})
	}
}

// seenText is card text as a person reads it, with the no-break spaces
// that keep a line's last word company read as spaces.
func seenText(s string) string { return strings.ReplaceAll(displayed(s), "\u00a0", " ") }
