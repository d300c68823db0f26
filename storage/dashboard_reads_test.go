package storage_test

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
)

// mapNetwork is five members of three organisations: two of Hillview, two
// of Riverside and one of Eastgate.
type mapNetwork struct {
	h1, h2, r1, r2, e1 *bot.Member
	hill, river, east  int64 // organisation IDs
}

func newMapNetwork(t *testing.T, db *storage.DB) *mapNetwork {
	t.Helper()
	n := &mapNetwork{
		h1: partner(t, "UHILL00001", "Hana Hill", "Hillview Pharmacy", "weekly"),
		h2: partner(t, "UHILL00002", "Hugo Hill", "Hillview Pharmacy", "weekly"),
		r1: partner(t, "URIVER0001", "Rosa River", "Riverside Surgery", "weekly"),
		r2: partner(t, "URIVER0002", "Rami River", "Riverside Surgery", "weekly"),
		e1: partner(t, "UEAST00001", "Esme East", "Eastgate Housing", "weekly"),
	}
	save(t, db, n.h1, n.h2, n.r1, n.r2, n.e1)
	n.hill, n.river, n.east = orgID(t, db, n.h1), orgID(t, db, n.r1), orgID(t, db, n.e1)
	return n
}

// orgID is the ID of a member's organisation.
func orgID(t *testing.T, db *storage.DB, m *bot.Member) int64 {
	t.Helper()
	var id int64
	if err := db.SQLX().Get(&id, db.SQLX().Rebind(`SELECT organisation_id FROM members WHERE id = ?`), m.ID); err != nil {
		t.Fatal(err)
	}
	return id
}

// makeRound creates a round of the intros given, by member.
func makeRound(t *testing.T, db *storage.DB, at time.Time, intros ...[]*bot.Member) []int64 {
	t.Helper()
	ctx := context.Background()
	plan := func(*bot.RoundSnapshot) (*bot.RoundPlan, error) {
		p := &bot.RoundPlan{FollowUpAt: at.Add(time.Hour)}
		for _, in := range intros {
			pi := bot.PlannedIntro{Explanation: "You both care about frailty."}
			for _, m := range in {
				pi.MemberIDs = append(pi.MemberIDs, m.ID)
			}
			p.Intros = append(p.Intros, pi)
		}
		return p, nil
	}
	round, err := db.CreateRound(ctx, at, true, at, plan)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := db.SQLX().Select(&ids, db.SQLX().Rebind(`SELECT id FROM intros WHERE round_id = ? ORDER BY position`), round.ID); err != nil {
		t.Fatal(err)
	}
	return ids
}

// wantFiguresAsStats fails t unless the overview's figures for the rounds
// are those RoundStats counts from every intro.
func wantFiguresAsStats(t *testing.T, db *storage.DB, now time.Time) []bot.RoundStats {
	t.Helper()
	ctx := context.Background()
	o, err := db.DashboardOverview(ctx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.RoundStats(ctx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(s.Recent)
	slices.Reverse(want)
	if len(o.Rounds) != len(want) {
		t.Fatalf("overview has %d rounds, stats %d", len(o.Rounds), len(want))
	}
	for i := range want {
		g, w := o.Rounds[i], want[i]
		if g.Number != w.Number || g.Intros != w.Intros || g.Trios != w.Trios || g.Delivered != w.Delivered ||
			g.Failed != w.Failed || g.Met != w.Met || g.Arranged != w.Arranged || g.LeftOut != w.LeftOut {
			t.Errorf("round %d: overview counts %+v, the intros say %+v", w.Number, g, w)
		}
	}
	recent, err := db.RecentRounds(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(recent, o.Rounds) {
		t.Errorf("RecentRounds = %+v, the overview has %+v", recent, o.Rounds)
	}
	return o.Rounds
}

// links returns the map's links as "A-B intros/met" by organisation ID.
func mapLinks(t *testing.T, db *storage.DB, rounds int) map[[2]int64][2]int {
	t.Helper()
	nm, err := db.NetworkMap(context.Background(), rounds)
	if err != nil {
		t.Fatal(err)
	}
	out := map[[2]int64][2]int{}
	for _, l := range nm.Links {
		if l.A >= l.B {
			t.Errorf("link %+v is not ordered A < B", l)
		}
		out[[2]int64{l.A, l.B}] = [2]int{l.Intros, l.Met}
	}
	return out
}

func pair(a, b int64) [2]int64 { return [2]int64{min(a, b), max(a, b)} }

// The overview's round figures and the network map follow every change
// to the intros: delivery, answers, a failure, a merge of organisations
// and a member leaving; and the figures always agree with RoundStats.
func TestOverviewAndMapFollowTheIntros(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		n := newMapNetwork(t, db)
		first := makeRound(t, db, utc, []*bot.Member{n.h1, n.r1}, []*bot.Member{n.h2, n.r2, n.e1})
		wantFiguresAsStats(t, db, utc)
		deliverAll(t, db, utc)
		for _, a := range []struct {
			intro  int64
			m      *bot.Member
			answer string
		}{{first[0], n.h1, bot.AnswerYes}, {first[1], n.r2, bot.AnswerArranged}} {
			if _, _, err := db.RecordAnswer(ctx, a.intro, "slack", a.m.UserID, a.answer, time.Time{}, utc); err != nil {
				t.Fatal(err)
			}
		}
		week := utc.Add(7 * 24 * time.Hour)
		second := makeRound(t, db, week, []*bot.Member{n.h1, n.e1}, []*bot.Member{n.r1, n.h2})
		if err := db.RecordIntroSent(ctx, 0, second[0], "G2", "2.1", week); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkUnreachable(ctx, second[1], nil, true, nil, week); err != nil {
			t.Fatal(err)
		}
		rounds := wantFiguresAsStats(t, db, week)
		if r := rounds[0]; r.Intros != 2 || r.Trios != 1 || r.Delivered != 2 || r.Met != 1 || r.Arranged != 1 {
			t.Errorf("first round's figures = %+v", r)
		}
		if r := rounds[1]; r.Delivered != 1 || r.Failed != 1 || r.Met != 0 {
			t.Errorf("second round's figures = %+v", r)
		}

		// Over both rounds: Hillview–Riverside has the pair (met) and the
		// trio; Hillview–Eastgate the trio and the second round's pair;
		// the failed intro is no link.
		got := mapLinks(t, db, 2)
		want := map[[2]int64][2]int{
			pair(n.hill, n.river): {2, 1},
			pair(n.hill, n.east):  {2, 0},
			pair(n.river, n.east): {1, 0},
		}
		if !mapsEqual(got, want) {
			t.Errorf("links over two rounds = %v, want %v", got, want)
		}
		if got := mapLinks(t, db, 1); !mapsEqual(got, map[[2]int64][2]int{pair(n.hill, n.east): {1, 0}}) {
			t.Errorf("links over the latest round = %v", got)
		}
		nm, err := db.NetworkMap(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if nm.Rounds != 2 || !nm.Since.Equal(utc) || len(nm.Orgs) != 3 {
			t.Fatalf("map = %+v", nm)
		}
		for _, o := range nm.Orgs {
			if o.ID == n.hill && (o.Name != "Hillview Pharmacy" || o.Members != 2 || o.Intros != 4 || o.Met != 1) {
				t.Errorf("Hillview on the map = %+v", o)
			}
		}

		// Eastgate merges into Riverside: the trio is one link, not two.
		if err := db.MergeOrganisations(ctx, n.east, n.river, week); err != nil {
			t.Fatal(err)
		}
		if got := mapLinks(t, db, 2); !mapsEqual(got, map[[2]int64][2]int{pair(n.hill, n.river): {3, 1}}) {
			t.Errorf("links after the merge = %v", got)
		}
		wantFiguresAsStats(t, db, week)

		// Hana leaves: her places add no link, and the meeting only she
		// said happened is no longer counted.
		if err := db.DeleteMember(ctx, "slack", n.h1.UserID); err != nil {
			t.Fatal(err)
		}
		if got := mapLinks(t, db, 2); !mapsEqual(got, map[[2]int64][2]int{pair(n.hill, n.river): {1, 0}}) {
			t.Errorf("links after a member left = %v", got)
		}
		rounds = wantFiguresAsStats(t, db, week)
		if rounds[0].Met != 0 || rounds[0].Arranged != 1 {
			t.Errorf("first round after she left = %+v", rounds[0])
		}

		// History deleted: the first round's intros and counts go.
		if _, err := db.DeleteHistory(ctx, utc.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		rounds = wantFiguresAsStats(t, db, week)
		if rounds[0].Intros != 0 || len(mapLinks(t, db, 2)) != 0 {
			t.Errorf("after the history went: figures %+v, links %v", rounds[0], mapLinks(t, db, 2))
		}
	})
}

func mapsEqual(a, b map[[2]int64][2]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The overview counts members by status and joins by the week (from
// Monday, UTC) they joined in, oldest first.
func TestOverviewCountsMembersAndJoins(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		// Sunday 22 March late, Monday 23 March, and Sunday 29 March.
		days := []time.Time{
			time.Date(2026, 3, 22, 23, 30, 0, 0, time.UTC),
			time.Date(2026, 3, 23, 0, 30, 0, 0, time.UTC),
			time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC),
		}
		var ms []*bot.Member
		for i, d := range days {
			db.Now = func() time.Time { return d }
			m := newMember(t, "UJOIN0000"+string(rune('1'+i)))
			save(t, db, m)
			ms = append(ms, m)
		}
		db.Now = func() time.Time { return testNow }
		if _, err := db.SetPause(ctx, "slack", ms[0].UserID, true, nil, utc); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkUnreachable(ctx, 0, []int64{ms[1].ID}, false, nil, utc); err != nil {
			t.Fatal(err)
		}
		o, err := db.DashboardOverview(ctx, utc, 5)
		if err != nil {
			t.Fatal(err)
		}
		if o.Active != 1 || o.Paused != 1 || o.Unreachable != 1 || len(o.Rounds) != 0 {
			t.Errorf("overview = %+v", o)
		}
		want := []bot.WeekCount{
			{Week: time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC), Count: 1},
			{Week: time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC), Count: 2},
		}
		if !slices.EqualFunc(o.Joins, want, func(a, b bot.WeekCount) bool { return a.Week.Equal(b.Week) && a.Count == b.Count }) {
			t.Errorf("joins = %+v, want %+v", o.Joins, want)
		}
	})
}

// The roster filters by organisation, sector, role, career stage and
// status, sorts by name, pages, and counts what matches.
func TestRosterFiltersAndPages(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		mk := func(id, name, org, sector, role string) *bot.Member {
			return bottest.Member(t, bottest.UserID(id), bottest.Name(name), bottest.Org(org), bottest.Sector(sector),
				bottest.Role(role), bottest.CareerStage("established"), bottest.Interests("Diabetes"))
		}
		ann := mk("UANN000001", "Ann Able", "Hillview Pharmacy", "community_pharmacy", "clinical_pharmacist")
		bob := mk("UBOB000001", "Bob Baker", "Hillview Pharmacy", "community_pharmacy", "practice_manager")
		cat := mk("UCAT000001", "Cat Cole", "Riverside Surgery", "gp_practice", "practice_nurse")
		dan := mk("UDAN000001", "Dan Dale", "Riverside Surgery", "gp_practice", "practice_nurse")
		eve := mk("UEVE000001", "Eve Ash", "Riverside Surgery", "gp_practice", "gp_partner")
		save(t, db, ann, bob, cat, dan, eve)
		if _, err := db.SetPause(ctx, "slack", bob.UserID, true, nil, utc); err != nil {
			t.Fatal(err)
		}
		past := utc.Add(-time.Hour) // a pause that has ended
		if _, err := db.SetPause(ctx, "slack", eve.UserID, true, &past, utc.Add(-2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkUnreachable(ctx, 0, []int64{dan.ID}, false, nil, utc); err != nil {
			t.Fatal(err)
		}
		river := orgID(t, db, cat)
		names := func(r *bot.Roster) []string {
			var out []string
			for _, e := range r.Entries {
				out = append(out, e.Name+":"+e.Status)
			}
			return out
		}
		for _, tt := range []struct {
			name  string
			f     bot.RosterFilter
			total int
			want  []string
		}{
			{"everyone, by name", bot.RosterFilter{}, 5, []string{"Ann Able:active", "Bob Baker:paused", "Cat Cole:active", "Dan Dale:unreachable", "Eve Ash:active"}},
			{"a page", bot.RosterFilter{Offset: 1, Limit: 2}, 5, []string{"Bob Baker:paused", "Cat Cole:active"}},
			{"an organisation", bot.RosterFilter{OrganisationID: river}, 3, []string{"Cat Cole:active", "Dan Dale:unreachable", "Eve Ash:active"}},
			{"a sector", bot.RosterFilter{Sector: "community_pharmacy"}, 2, []string{"Ann Able:active", "Bob Baker:paused"}},
			{"a role", bot.RosterFilter{Role: "practice_nurse"}, 2, []string{"Cat Cole:active", "Dan Dale:unreachable"}},
			{"a career stage", bot.RosterFilter{CareerStage: "senior"}, 0, nil},
			{"active", bot.RosterFilter{Status: bot.RosterActive}, 3, []string{"Ann Able:active", "Cat Cole:active", "Eve Ash:active"}},
			{"paused", bot.RosterFilter{Status: bot.RosterPaused}, 1, []string{"Bob Baker:paused"}},
			{"unreachable in an organisation", bot.RosterFilter{Status: bot.RosterUnreachable, OrganisationID: river}, 1, []string{"Dan Dale:unreachable"}},
		} {
			r, err := db.Roster(ctx, tt.f, utc)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if r.Total != tt.total || !slices.Equal(names(r), tt.want) {
				t.Errorf("%s: %d %v, want %d %v", tt.name, r.Total, names(r), tt.total, tt.want)
			}
		}
		r, _ := db.Roster(ctx, bot.RosterFilter{Limit: 1}, utc)
		if e := r.Entries[0]; e.ID != ann.ID || e.Organisation != "Hillview Pharmacy" || e.OrganisationID == 0 || e.Platform != "slack" ||
			e.Role != "clinical_pharmacist" || !e.JoinedAt.Equal(utc) {
			t.Errorf("roster entry = %+v", e)
		}
		_, err := db.Roster(ctx, bot.RosterFilter{Status: "gone"}, utc)
		wantCode(t, err, bot.EINVALID)

		// Counts by organisation, with the organisation's sector.
		if err := db.SetOrganisationSector(ctx, river, "gp_practice", utc); err != nil {
			t.Fatal(err)
		}
		counts, err := db.RosterCounts(ctx, utc)
		if err != nil {
			t.Fatal(err)
		}
		want := []bot.OrgCount{
			{OrganisationID: orgID(t, db, ann), Organisation: "Hillview Pharmacy", Active: 1, Paused: 1},
			{OrganisationID: river, Organisation: "Riverside Surgery", Sector: "gp_practice", Active: 2, Unreachable: 1},
		}
		if !slices.Equal(counts, want) {
			t.Errorf("counts = %+v, want %+v", counts, want)
		}
	})
}

// MembersVersion changes with every change to who could take part: a
// join, a profile saved, a pause, a resume, being unreachable, leaving.
func TestMembersVersionChanges(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		clock := utc
		db.Now = func() time.Time { return clock }
		tick := func() time.Time { clock = clock.Add(time.Second); return clock }
		seen := map[bot.MembersVersion]string{}
		step := func(what string) {
			t.Helper()
			v, err := db.MembersVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if before, ok := seen[v]; ok {
				t.Errorf("after %s the version %+v is as after %s", what, v, before)
			}
			seen[v] = what
		}
		step("nothing")
		a, b := newMember(t, "UVERS00001"), newMember(t, "UVERS00002")
		tick()
		save(t, db, a, b)
		step("two joined")
		tick()
		a.Profile.Bio = "Changed."
		save(t, db, a)
		step("a profile saved")
		if _, err := db.SetPause(ctx, "slack", a.UserID, true, nil, tick()); err != nil {
			t.Fatal(err)
		}
		step("a pause")
		if _, err := db.AdminSetPause(ctx, a.ID, false, tick(), bot.AuditEntry{Action: bot.AuditResume, MemberID: a.ID}, nil); err != nil {
			t.Fatal(err)
		}
		step("an admin's resume")
		if err := db.MarkUnreachable(ctx, 0, []int64{b.ID}, false, nil, tick()); err != nil {
			t.Fatal(err)
		}
		step("unreachable")
		if err := db.DeleteMember(ctx, "slack", a.UserID); err != nil {
			t.Fatal(err)
		}
		step("a leave")
	})
}

// An admin's pause is one transaction: the member is paused until they
// resume, the action is in the log and the notice is queued; a resume
// clears a pause with an end date.
func TestAdminSetPause(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		m := newMember(t, "UPAUSE0001")
		save(t, db, m)
		e := bot.AuditEntry{At: utc, Action: bot.AuditPause, Actor: anAdmin, ActorName: anAdmin.Name, MemberID: m.ID}
		got, err := db.AdminSetPause(ctx, m.ID, true, utc, e, &bot.Notice{MemberID: m.ID, Kind: bot.NoticePausedByAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Paused || got.PausedUntil != nil || !got.PausedAt(utc.Add(1000*time.Hour)) {
			t.Errorf("paused member = %+v", got)
		}
		log, _, err := db.AuditLog(ctx, 0, 5)
		if err != nil || len(log) != 1 || log[0].MemberName != m.Name || log[0].Action != bot.AuditPause {
			t.Errorf("log = %+v, %v", log, err)
		}
		msgs, err := db.ClaimOutbox(ctx, utc, utc.Add(-time.Hour), 10)
		if err != nil || len(msgs) != 1 || msgs[0].Notice != bot.NoticePausedByAdmin || msgs[0].MemberID != m.ID {
			t.Errorf("queued %+v, %v; want the notice", msgs, err)
		}

		until := utc.Add(24 * time.Hour)
		if _, err := db.SetPause(ctx, "slack", m.UserID, true, &until, utc); err != nil {
			t.Fatal(err)
		}
		got, err = db.AdminSetPause(ctx, m.ID, false, utc, bot.AuditEntry{Action: bot.AuditResume, MemberID: m.ID}, nil)
		if err != nil || got.Paused || got.PausedUntil != nil {
			t.Errorf("resumed member = %+v, %v", got, err)
		}
		_, err = db.AdminSetPause(ctx, m.ID+100, true, utc, e, nil)
		wantCode(t, err, bot.ENOTFOUND)
		if _, total, _ := db.AuditLog(ctx, 0, 5); total != 2 {
			t.Errorf("a pause of nobody was recorded: %d entries", total)
		}
	})
}

// The admin's organisation list: listed ones and those with members, with
// counts; renames that members follow, merges, sectors and removal, and
// the refusals a person can act on.
func TestOrganisationsAdmin(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := db.AddOrganisation(ctx, "Eastgate Housing", utc); err != nil {
			t.Fatal(err)
		}
		a := partner(t, "UORG000001", "Ann Org", "Hillview Pharmacy", "weekly")
		b := partner(t, "UORG000002", "Bob Org", "riverside surgery", "weekly")
		save(t, db, a, b)
		hill, river := orgID(t, db, a), orgID(t, db, b)
		list := func() []string {
			orgs, err := db.Organisations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range orgs {
				s := o.Name
				if o.Listed {
					s += " (listed)"
				}
				out = append(out, s+" "+string(rune('0'+o.Members))+" "+o.Sector)
			}
			return out
		}
		if got := list(); !slices.Equal(got, []string{"Eastgate Housing (listed) 0 ", "Hillview Pharmacy 1 ", "riverside surgery 1 "}) {
			t.Errorf("organisations = %q", got)
		}

		info, err := db.RenameOrganisation(ctx, river, "  Riverside   Medical Practice ", utc)
		if err != nil {
			t.Fatal(err)
		}
		if info.Name != "Riverside Medical Practice" || info.Members != 1 {
			t.Errorf("renamed = %+v", info)
		}
		got, err := db.FindMember(ctx, "slack", b.UserID)
		if err != nil || got.Profile.Organisation != "Riverside Medical Practice" {
			t.Errorf("the member's organisation reads %q (%v)", got.Profile.Organisation, err)
		}
		_, err = db.RenameOrganisation(ctx, river, "HILLVIEW pharmacy", utc)
		wantCode(t, err, bot.ECONFLICT)
		_, err = db.RenameOrganisation(ctx, river, "!!!", utc)
		wantCode(t, err, bot.EINVALID)
		_, err = db.RenameOrganisation(ctx, 99999, "Anything", utc)
		wantCode(t, err, bot.ENOTFOUND)

		wantCode(t, db.SetOrganisationSector(ctx, hill, "moon_base", utc), bot.EINVALID)
		if err := db.SetOrganisationSector(ctx, hill, "community_pharmacy", utc); err != nil {
			t.Fatal(err)
		}

		// Hillview merges into Riverside: its member moves, and a
		// newcomer typing Hillview's name joins Riverside.
		wantCode(t, db.MergeOrganisations(ctx, hill, hill, utc), bot.EINVALID)
		if err := db.MergeOrganisations(ctx, hill, river, utc); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.MergeOrganisations(ctx, hill, river, utc), bot.ENOTFOUND)
		if got := list(); !slices.Equal(got, []string{"Eastgate Housing (listed) 0 ", "Riverside Medical Practice 2 "}) {
			t.Errorf("after the merge, organisations = %q", got)
		}
		c := partner(t, "UORG000003", "Cat Org", "Hillview Pharmacy", "weekly")
		save(t, db, c)
		if c.Profile.Organisation != "Riverside Medical Practice" || orgID(t, db, c) != river {
			t.Errorf("a newcomer typing the merged name joined %q", c.Profile.Organisation)
		}

		east := slices.IndexFunc(mustOrgs(t, db), func(o bot.OrganisationInfo) bool { return o.Name == "Eastgate Housing" })
		eastID := mustOrgs(t, db)[east].ID
		if err := db.RemoveOrganisationByID(ctx, eastID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.RemoveOrganisationByID(ctx, eastID), bot.ENOTFOUND)
		wantCode(t, db.RemoveOrganisationByID(ctx, river), bot.ENOTFOUND) // never listed
		if got := list(); !slices.Equal(got, []string{"Riverside Medical Practice 3 "}) {
			t.Errorf("after removing Eastgate, organisations = %q", got)
		}
	})
}

func mustOrgs(t *testing.T, db *storage.DB) []bot.OrganisationInfo {
	t.Helper()
	orgs, err := db.Organisations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return orgs
}

// The outbox's depth counts messages due and not sent, and the oldest's
// due time; messages not yet due are not waiting.
func TestOutboxDepth(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if n, oldest, err := db.OutboxDepth(ctx, utc); err != nil || n != 0 || !oldest.IsZero() {
			t.Errorf("empty outbox: %d, %v, %v", n, oldest, err)
		}
		m := newMember(t, "UDEPTH0001")
		save(t, db, m)
		for _, at := range []time.Time{utc.Add(-time.Hour), utc.Add(-time.Minute), utc.Add(time.Hour)} {
			if err := db.MarkUnreachable(ctx, 0, nil, false, []bot.Notice{{MemberID: m.ID, Kind: bot.NoticeLeftOut}}, at); err != nil {
				t.Fatal(err)
			}
		}
		n, oldest, err := db.OutboxDepth(ctx, utc)
		if err != nil || n != 2 || !oldest.Equal(utc.Add(-time.Hour)) {
			t.Errorf("depth = %d, oldest %v, %v; want 2 due since an hour ago", n, oldest, err)
		}
	})
}

// Members answering at the same moment are each counted once: a meeting
// both say happened is one meeting.
func TestFiguresUnderConcurrentAnswers(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		n := newMapNetwork(t, db)
		ids := makeRound(t, db, utc, []*bot.Member{n.h1, n.r1}, []*bot.Member{n.h2, n.r2, n.e1})
		deliverAll(t, db, utc)
		var wg sync.WaitGroup
		for _, a := range []struct {
			intro int64
			m     *bot.Member
		}{{ids[0], n.h1}, {ids[0], n.r1}, {ids[1], n.h2}, {ids[1], n.r2}, {ids[1], n.e1}} {
			wg.Go(func() {
				if _, _, err := db.RecordAnswer(ctx, a.intro, "slack", a.m.UserID, bot.AnswerYes, time.Time{}, utc); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		rounds := wantFiguresAsStats(t, db, utc)
		if rounds[0].Met != 2 {
			t.Errorf("met = %d, want 2", rounds[0].Met)
		}
		want := map[[2]int64][2]int{pair(n.hill, n.river): {2, 2}, pair(n.hill, n.east): {1, 1}, pair(n.river, n.east): {1, 1}}
		if got := mapLinks(t, db, 1); !mapsEqual(got, want) {
			t.Errorf("links = %v, want %v", got, want)
		}
	})
}
