package bot_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

const (
	priyaID = "U0PRIYA01"
	tomID   = "U0TOMRE01"
	samID   = "U0SAMOK01"
)

// blockNetwork is a whole core on db with members who would be
// introduced to each other, each from their own organisation.
func blockNetwork(t *testing.T, db *storage.DB, clock *time.Time, members map[string]string) *bot.Core {
	t.Helper()
	ctx := context.Background()
	core := bot.NewCore(bot.Network{Store: db, Now: func() time.Time { return *clock }})
	orgs := map[string]string{priyaID: "Riverside Surgery", tomID: "Northfield Pharmacy", samID: "Hillside Physio"}
	for id, name := range members {
		m := bottest.Member(t, bottest.UserID(id), bottest.Name(name), bottest.Org(orgs[id]))
		if err := db.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	return core
}

// say types a command as u and returns what u reads.
func say(t *testing.T, core *bot.Core, id, text string) string {
	t.Helper()
	return carry(t, core.Chat.Command(context.Background(), user(id), bot.CommandName, text)).answer
}

// press presses a button as u and returns what u reads.
func press(t *testing.T, core *bot.Core, id, action, value string) seen {
	t.Helper()
	return carry(t, core.Chat.Action(context.Background(), user(id), action, value))
}

// introduced says whether the round for period put the two in one intro.
func introduced(t *testing.T, core *bot.Core, db *storage.DB, period time.Time, a, b string) bool {
	t.Helper()
	_, plan, err := core.Rounds.Run(context.Background(), period, false)
	if err != nil {
		t.Fatalf("run round: %v", err)
	}
	ida, idb := memberID(t, db, a), memberID(t, db, b)
	for _, in := range plan.Intros {
		if slices.Contains(in.MemberIDs, ida) && slices.Contains(in.MemberIDs, idb) {
			return true
		}
	}
	return false
}

func memberID(t *testing.T, db *storage.DB, id string) int64 {
	t.Helper()
	m, err := db.FindMember(context.Background(), "slack", id)
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func exportJSON(t *testing.T, core *bot.Core, id string) string {
	t.Helper()
	x, err := core.Service.Export(context.Background(), user(id))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A member blocks someone by @mention: the two are never introduced, the
// blocked person sees nothing of it anywhere, and unblocking lets the
// matcher introduce them again.
func TestBlockKeepsTwoApartUntilUnblocked(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core := blockNetwork(t, db, &clock, map[string]string{priyaID: "Priya Shah", tomID: "Tom Reid"})

			member := say(t, core, priyaID, "block "+bot.MentionWord(tomID))
			stranger := say(t, core, priyaID, "block "+bot.MentionWord("U0NOBODY1"))
			if member != stranger {
				t.Errorf("blocking a member says %q, blocking someone who never joined says %q: the answer tells who takes part", member, stranger)
			}
			if !strings.Contains(member, "Done: you won't be introduced to them") {
				t.Errorf("block answer %q", member)
			}
			if got := say(t, core, priyaID, "block "+bot.MentionWord(priyaID)); !strings.Contains(got, "can't block yourself") {
				t.Errorf("blocking oneself: %q", got)
			}

			if introduced(t, core, db, clock, priyaID, tomID) {
				t.Fatal("a round introduced Priya to Tom, whom she blocked")
			}
			// Tom sees nothing of it: not in his export, his status, nor his
			// own list.
			if x := exportJSON(t, core, tomID); strings.Contains(x, "Priya") {
				t.Errorf("Tom's export mentions Priya, who blocked him: %s", x)
			}
			for _, text := range []string{"status", "blocks"} {
				if got := say(t, core, tomID, text); strings.Contains(got, "Priya Shah") {
					t.Errorf("Tom's %s shows Priya, who blocked him: %q", text, got)
				}
			}
			// Priya's own export and list have it.
			if x := exportJSON(t, core, priyaID); !strings.Contains(x, `"not_a_good_match":[{"name":"Tom Reid"`) {
				t.Errorf("Priya's export lacks her block: %s", x)
			}
			if got := say(t, core, priyaID, "blocks"); !strings.Contains(got, "Tom Reid") || !strings.Contains(got, "[Unblock]") {
				t.Errorf("Priya's list: %q", got)
			}

			if got := say(t, core, priyaID, "unblock "+bot.MentionWord(tomID)); !strings.Contains(got, "Done: you may be introduced to them again") {
				t.Errorf("unblock: %q", got)
			}
			if got := say(t, core, priyaID, "unblock "+bot.MentionWord("U0NOBODY1")); !strings.Contains(got, "You haven't blocked them") {
				t.Errorf("unblocking someone never blocked: %q", got)
			}
			clock = clock.AddDate(0, 0, 7)
			if !introduced(t, core, db, clock, priyaID, tomID) {
				t.Fatal("after the unblock, the round still kept Priya and Tom apart")
			}

			// Now they have met, the list offers Tom with a Block button.
			if got := say(t, core, priyaID, "block"); !strings.Contains(got, "People you've been introduced to") || !strings.Contains(got, "Tom Reid") {
				t.Errorf("block on its own: %q", got)
			}
			tom := strconv.FormatInt(memberID(t, db, tomID), 10)
			if got := press(t, core, priyaID, bot.ActionBlockMember, tom).answer; !strings.Contains(got, "won't be introduced to Tom Reid") {
				t.Errorf("Block button: %q", got)
			}
			// A Block button made up for someone never met names nobody.
			if got := press(t, core, tomID, bot.ActionBlockMember, strconv.FormatInt(memberID(t, db, tomID)+100, 10)).answer; strings.Contains(got, "Priya") || !strings.Contains(got, "them") {
				t.Errorf("a made-up Block button: %q", got)
			}
			if got := press(t, core, priyaID, bot.ActionUnblockMember, tom).answer; !strings.Contains(got, "may be introduced to Tom Reid again") {
				t.Errorf("Unblock button: %q", got)
			}
		})
	}
}

// In Teams members name someone by their work email: matched whatever
// its case against the accounts the platform told Rapport of, with the
// same answer for an address nobody has joined with.
func TestBlockByEmail(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core := blockNetwork(t, db, &clock, map[string]string{priyaID: "Priya Shah", tomID: "Tom Reid"})
			for id, upn := range map[string]string{tomID: "Tom.Reid@nhs.net", "U0ROSTER1": "on.the.roster@nhs.net", priyaID: "priya.shah@nhs.net"} {
				if err := db.SaveAccount(ctx, bot.Account{Platform: "slack", UserID: id, PrincipalName: upn, UpdatedAt: clock}); err != nil {
					t.Fatal(err)
				}
			}
			member := say(t, core, priyaID, "block tom.reid@NHS.net")
			for _, other := range []string{"block on.the.roster@nhs.net", "block nobody.here@nhs.net"} {
				if got := say(t, core, priyaID, other); got != member {
					t.Errorf("%q says %q; blocking a member says %q", other, got, member)
				}
			}
			if got := say(t, core, priyaID, "block Priya.Shah@nhs.net"); !strings.Contains(got, "can't block yourself") {
				t.Errorf("blocking one's own address: %q", got)
			}
			blocks, err := db.MemberBlocks(ctx, "slack", priyaID)
			if err != nil || len(blocks) != 1 || blocks[0].Name != "Tom Reid" {
				t.Fatalf("Priya's blocks = %+v, %v; want Tom alone", blocks, err)
			}
			if got := say(t, core, priyaID, "block tom"); !strings.Contains(got, "couldn't tell who you mean") {
				t.Errorf("a bare name: %q", got)
			}

			// Tom leaves: the block that names him goes too.
			if err := core.Service.Leave(ctx, user(tomID)); err != nil {
				t.Fatal(err)
			}
			if blocks, err := db.MemberBlocks(ctx, "slack", priyaID); err != nil || len(blocks) != 0 {
				t.Errorf("after Tom left, Priya's blocks = %+v, %v", blocks, err)
			}
		})
	}
}

// "Not a good match" in a trio asks which person, and blocks only the one
// chosen; in a pair it blocks the other at once.
func TestNotAGoodMatchInATrioAsksWhich(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core := blockNetwork(t, db, &clock, map[string]string{priyaID: "Priya Shah", tomID: "Tom Reid", samID: "Sam Okafor"})
			if _, _, err := core.Rounds.Run(ctx, clock, false); err != nil {
				t.Fatal(err)
			}
			intros, err := db.RecentIntros(ctx, memberID(t, db, priyaID), 1)
			if err != nil || len(intros) != 1 || len(intros[0].Members) != 3 {
				t.Fatalf("intros %+v, %v; want one trio", intros, err)
			}
			id := strconv.FormatInt(intros[0].ID, 10)

			s := press(t, core, priyaID, "intro_block", id)
			if !strings.Contains(s.answer, "Who would you rather not be introduced to again?") ||
				!strings.Contains(s.answer, "[Tom Reid]") || !strings.Contains(s.answer, "[Sam Okafor]") || !strings.Contains(s.answer, "[Both]") {
				t.Fatalf("the trio's question: %q", s.answer)
			}
			if blocks, _ := db.MemberBlocks(ctx, "slack", priyaID); len(blocks) != 0 {
				t.Fatalf("asking blocked someone already: %+v", blocks)
			}
			// Someone outside the intro cannot use its buttons.
			if got := press(t, core, "U0OUTSID1", "intro_block_one", id+":"+strconv.FormatInt(memberID(t, db, tomID), 10)).answer; strings.Contains(got, "Tom") {
				t.Errorf("an outsider pressed a choice: %q", got)
			}
			s = press(t, core, priyaID, "intro_block_one", id+":"+strconv.FormatInt(memberID(t, db, tomID), 10))
			if s.answer != "Thanks for telling us. We won't introduce you to Tom Reid again. Nobody else is told." || !s.replaced {
				t.Errorf("choosing Tom: %q (replaced %v)", s.answer, s.replaced)
			}
			blocks, err := db.MemberBlocks(ctx, "slack", priyaID)
			if err != nil || len(blocks) != 1 || blocks[0].Name != "Tom Reid" {
				t.Fatalf("Priya's blocks = %+v, %v; want Tom alone", blocks, err)
			}
			if x := exportJSON(t, core, tomID); strings.Contains(x, "not_a_good_match") {
				t.Errorf("Tom's export shows a block: %s", x)
			}

			// Sam chooses both.
			s = press(t, core, samID, "intro_block_all", id)
			if !strings.Contains(s.answer, "We won't introduce you to") || !strings.Contains(s.answer, "Priya Shah") || !strings.Contains(s.answer, "Tom Reid") {
				t.Errorf("Both: %q", s.answer)
			}
			if blocks, _ := db.MemberBlocks(ctx, "slack", samID); len(blocks) != 2 {
				t.Errorf("Sam's blocks = %+v; want both", blocks)
			}
		})
	}
}
