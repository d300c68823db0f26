package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
)

// network is a small PCN: four members taking part in four organisations,
// and Hillview Surgery's only member paused.
type network struct {
	priya, sam, chloe, omar, hana *bot.Member
}

func (r *rig) network() network {
	r.t.Helper()
	n := network{
		priya: r.join(1, "Priya Shah", "Riverside Surgery", "gp_practice", bottest.Role("practice_nurse")),
		sam:   r.join(2, "Sam Okafor", "Oak Lane Medical Centre", "gp_practice", bottest.Role("salaried_gp")),
		chloe: r.join(3, "Chloe Evans", "Boots Riverside", "community_pharmacy", bottest.Role("clinical_pharmacist")),
		omar:  r.join(4, "Omar Haddad", "Age UK Northside", "voluntary_sector", bottest.Role("social_prescriber")),
		hana:  r.join(5, "Hana Novak", "Hillview Surgery", "gp_practice", bottest.Role("practice_manager")),
	}
	if _, err := r.db.SetPause(r.ctx, "slack", n.hana.UserID, true, nil, r.clock()); err != nil {
		r.t.Fatal(err)
	}
	// An organisation's sector is the admin's to set; members' own
	// choices do not set it.
	orgs, err := r.db.Organisations(r.ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, o := range orgs {
		for _, m := range []*bot.Member{n.priya, n.sam, n.chloe, n.omar, n.hana} {
			if m.Profile.Organisation == o.Name {
				if err := r.db.SetOrganisationSector(r.ctx, o.ID, m.Profile.Sector, r.clock()); err != nil {
					r.t.Fatal(err)
				}
			}
		}
	}
	return n
}

// runRound runs a round, marks its intros delivered and has the first
// member of the first intro say they met.
func (r *rig) runRound() *bot.Round {
	r.t.Helper()
	round, plan, err := r.core.Rounds.RunNow(r.ctx, true)
	if err != nil {
		r.t.Fatalf("run a round: %v", err)
	}
	for i, in := range plan.Intros {
		intros, err := r.db.RecentIntros(r.ctx, in.MemberIDs[0], 1)
		if err != nil || len(intros) == 0 {
			r.t.Fatalf("read the intro: %v", err)
		}
		if err := r.db.SetIntroDelivery(r.ctx, intros[0].ID, "C1", bot.IntroSent, "1.0"); err != nil {
			r.t.Fatal(err)
		}
		if i == 0 {
			m := intros[0].Members[0].Member
			if _, _, err := r.db.RecordAnswer(r.ctx, intros[0].ID, m.Platform, m.UserID, bot.AnswerYes, time.Time{}, r.clock()); err != nil {
				r.t.Fatal(err)
			}
		}
	}
	r.advance(7 * 24 * time.Hour)
	return round
}

func TestTheOverviewShowsTheNetworksFigures(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		r.network()
		r.runRound()
		page := r.get("/admin/", r.signIn())
		mustContain(t, page,
			`<span class="figure" id="count-active">4</span>`,
			`<span class="figure" id="count-paused">1</span>`,
			`<span class="figure" id="count-unreachable">0</span>`,
			`id="joins-chart-t"`, `id="intros-chart-t"`, `id="rates-chart-t"`, `<table id="rounds-table">`,
			// Round 1: two intros, both delivered, one met.
			`<th scope="row">1</th>`, `<td class="num">50% <span class="small">(1)</span></td>`)
	})
}

func TestTheMapShowsTheIntroductionsBetweenOrganisations(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		r.network()
		r.runRound()
		page := r.get("/admin/map?rounds=4", r.signIn())
		if n := len(mapNodeTag.FindAllString(page, -1)); n != 5 {
			t.Errorf("%d organisations on the map, want 5", n)
		}
		if n := strings.Count(page, `<g class="map-link"`); n != 2 {
			t.Errorf("%d links on the map, want 2", n)
		}
		mustContain(t, page, "Hillview Surgery has had no introductions to other organisations in the last round.",
			`<option value="4" selected>`, `<table id="map-table">`)
	})
}

func TestTheRosterFiltersAndPages(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		for i := range 55 {
			r.join(100+i, "Member "+strconv.Itoa(100+i), "Riverside Surgery", "gp_practice")
		}
		r.join(1, "Chloe Evans", "Boots Riverside", "community_pharmacy", bottest.Role("clinical_pharmacist"))
		c := r.signIn()
		page := r.get("/admin/members", c)
		mustContain(t, page, "56 members match", "Page 1 of 2", `<table id="roster">`, `id="roster-filter"`)

		page = r.get("/admin/members?sector=community_pharmacy", c)
		mustContain(t, page, "1 member matches", "Chloe Evans", `<option value="community_pharmacy" selected>`)
		if strings.Contains(page, "Member 100") {
			t.Error("the filtered roster shows a member of another sector")
		}
		page = r.get("/admin/members?role=clinical_pharmacist&status=paused", c)
		mustContain(t, page, "0 members match")

		// The counts table covers every organisation, whatever the filter.
		mustContain(t, page, `<table id="counts">`, "Riverside Surgery", "Boots Riverside", `<td class="num">55</td>`)
	})
}

func TestTheCountsDownloadAsCSV(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		n := r.network()
		r.join(6, "Ella Brown", "=Riverside Annexe", "gp_practice")
		if _, err := r.db.SetPause(r.ctx, "slack", n.priya.UserID, true, nil, r.clock()); err != nil {
			t.Fatal(err)
		}
		res := r.do("GET", "/admin/members/counts.csv", r.signIn(), nil)
		if res.Code != http.StatusOK || !strings.HasPrefix(res.Header().Get("Content-Disposition"), "attachment;") ||
			!strings.HasPrefix(res.Header().Get("Content-Type"), "text/csv") {
			t.Fatalf("status %d, headers %v", res.Code, res.Header())
		}
		rows, err := csv.NewReader(res.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, row := range rows[1:] {
			got[row[0]] = row
		}
		if strings.Join(rows[0], ",") != "organisation,sector,active,paused,unreachable,total" {
			t.Errorf("header %v", rows[0])
		}
		for org, want := range map[string]string{
			"Riverside Surgery":  "Riverside Surgery,GP practice,0,1,0,1",
			"Boots Riverside":    "Boots Riverside,Community pharmacy,1,0,0,1",
			"Hillview Surgery":   "Hillview Surgery,GP practice,0,1,0,1",
			"'=Riverside Annexe": "'=Riverside Annexe,,1,0,0,1", // no sector set yet
		} {
			if strings.Join(got[org], ",") != want {
				t.Errorf("row %q = %v, want %s", org, got[org], want)
			}
		}
		if len(rows) != 7 {
			t.Errorf("%d rows, want a header and 6 organisations", len(rows))
		}
	})
}

func TestPausingAndResumingAMember(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		n := r.network()
		c := r.signIn()
		id := strconv.FormatInt(n.sam.ID, 10)
		back := "/admin/members?sector=gp_practice"
		res := r.do("POST", "/admin/members/"+id+"/pause", c, url.Values{"csrf": {r.csrf(c)}, "back": {back}})
		loc := res.Header().Get("Location")
		if res.Code != http.StatusSeeOther || loc != back+"&done=paused&member="+id && loc != "/admin/members?done=paused&member="+id+"&sector=gp_practice" {
			t.Fatalf("pause: status %d to %q", res.Code, loc)
		}
		if strings.Contains(loc, "Sam") {
			t.Fatal("the address names the member")
		}
		m, err := r.db.MemberByID(r.ctx, n.sam.ID)
		if err != nil || !m.Paused {
			t.Fatalf("member after pause: %+v, %v", m, err)
		}
		mustContain(t, r.get(loc, c), "Sam Okafor is paused, and the bot has told them.", "Resume Sam Okafor")

		res = r.do("POST", "/admin/members/"+id+"/resume", c, url.Values{"csrf": {r.csrf(c)}})
		if res.Code != http.StatusSeeOther {
			t.Fatalf("resume: status %d", res.Code)
		}
		if m, _ := r.db.MemberByID(r.ctx, n.sam.ID); m == nil || m.Paused {
			t.Fatal("the member is still paused")
		}
		log := r.get("/admin/log", c)
		mustContain(t, log, "Paused a member", "Resumed a member", "Sam Okafor", "Dr Ada Admin")
	})
}

func TestRemovingAMemberAsksFirst(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		n := r.network()
		c := r.signIn()
		id := strconv.FormatInt(n.omar.ID, 10)
		page := r.get("/admin/members/"+id+"/remove", c)
		mustContain(t, page, "Remove Omar Haddad?", `name="confirm" value="yes"`, "Age UK Northside")

		res := r.do("POST", "/admin/members/"+id+"/remove", c, url.Values{"csrf": {r.csrf(c)}})
		if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/members/"+id+"/remove" {
			t.Fatalf("without confirm: status %d to %q, want the confirmation", res.Code, res.Header().Get("Location"))
		}
		if _, err := r.db.MemberByID(r.ctx, n.omar.ID); err != nil {
			t.Fatalf("the member went without confirmation: %v", err)
		}
		if _, err := r.core.Admin.PauseMember(r.ctx, admin, n.omar.ID); err != nil {
			t.Fatal(err)
		}
		res = r.do("POST", "/admin/members/"+id+"/remove", c, url.Values{"csrf": {r.csrf(c)}, "confirm": {"yes"}})
		if res.Code != http.StatusSeeOther {
			t.Fatalf("remove: status %d\n%s", res.Code, res.Body)
		}
		if _, err := r.db.MemberByID(r.ctx, n.omar.ID); bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Fatalf("after removal: %v, want ENOTFOUND", err)
		}
		mustContain(t, r.get(res.Header().Get("Location"), c), "The member has been removed from Rapport.")
		log := r.get("/admin/log", c)
		mustContain(t, log, "Removed a member", bot.LeftMemberName)
		if strings.Contains(log, "Omar") {
			t.Error("the log keeps the removed member's name")
		}
		// Removing them again says they have gone.
		res = r.do("POST", "/admin/members/"+id+"/remove", c, url.Values{"csrf": {r.csrf(c)}, "confirm": {"yes"}})
		if res.Code != http.StatusNotFound {
			t.Fatalf("second removal: status %d, want 404", res.Code)
		}
	})
}

func TestOrganisationsAreEditedFromTheirPage(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		r.network()
		c := r.signIn()
		post := func(path string, form url.Values) string {
			t.Helper()
			form.Set("csrf", r.csrf(c))
			res := r.do("POST", path, c, form)
			if res.Code != http.StatusSeeOther {
				t.Fatalf("POST %s: status %d\n%s", path, res.Code, res.Body)
			}
			return r.get(res.Header().Get("Location"), c)
		}
		page := post("/admin/organisations", url.Values{"name": {"Elm Tree Practice"}, "sector": {"gp_practice"}})
		mustContain(t, page, "Elm Tree Practice is on the list.")
		orgs, err := r.db.Organisations(r.ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]int64{}
		for _, o := range orgs {
			ids[o.Name] = o.ID
		}
		elm, hill := strconv.FormatInt(ids["Elm Tree Practice"], 10), strconv.FormatInt(ids["Hillview Surgery"], 10)

		mustContain(t, post("/admin/organisations/"+elm+"/rename", url.Values{"name": {"Elm Tree Surgery"}}), "now called Elm Tree Surgery")
		mustContain(t, post("/admin/organisations/"+hill+"/sector", url.Values{"sector": {"pcn_team"}}), "The sector of Hillview Surgery is saved.")

		mustContain(t, r.get("/admin/organisations/"+hill+"/merge?into="+elm, c), "Merge Hillview Surgery into Elm Tree Surgery?")
		mustContain(t, post("/admin/organisations/"+hill+"/merge", url.Values{"into": {elm}, "confirm": {"yes"}}), "merged into Elm Tree Surgery")
		m, err := r.db.MemberByID(r.ctx, r.rosterID(t, "Hana Novak"))
		if err != nil || m.Profile.Organisation != "Elm Tree Surgery" {
			t.Fatalf("Hillview's member after the merge: %+v, %v", m, err)
		}
		mustContain(t, post("/admin/organisations/"+elm+"/remove", url.Values{"confirm": {"yes"}}), "The organisation is off the list.")
		mustContain(t, r.get("/admin/log", c), "Added an organisation", "Renamed an organisation", "Merged organisations", "Removed an organisation", "Set an organisation")
	})
}

// rosterID finds a member's ID by name through the roster.
func (r *rig) rosterID(t *testing.T, name string) int64 {
	t.Helper()
	ro, err := r.db.Roster(r.ctx, bot.RosterFilter{Limit: 1000}, r.clock())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ro.Entries {
		if e.Name == name {
			return e.ID
		}
	}
	t.Fatalf("%s is not on the roster", name)
	return 0
}

func TestTheRoundPreviewIsWorkedOutInTheBackground(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		r.network()
		c := r.signIn()
		ctx, cancel := context.WithCancel(r.ctx)
		done := make(chan struct{})
		go func() { r.srv.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()

		page := r.waitFor(t, c, "/admin/rounds", `id="preview-summary"`)
		mustContain(t, page, "4 members would take part, in 2 introductions.", "Not taking part this round (1)",
			"<strong>Hana Novak</strong>: Paused until they resume.", "Priya Shah", "Riverside Surgery")

		// A member joining changes the preview.
		r.join(9, "Ravi Patel", "Elm Tree Surgery", "gp_practice")
		r.advance(time.Minute)
		r.waitFor(t, c, "/admin/rounds", "5 members would take part, in 2 introductions (1 trio, so nobody is left over).")
	})
}

// waitFor fetches a page until it holds want, for up to 20 seconds.
func (r *rig) waitFor(t *testing.T, c *http.Cookie, path, want string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		page := r.get(path, c)
		if strings.Contains(page, want) {
			return page
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never showed %q:\n%s", path, want, page)
		}
		time.Sleep(50 * time.Millisecond)
		r.advance(previewRequestCheck)
	}
}

func TestARoundRunsOnlyOnceConfirmed(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		r.network()
		c := r.signIn()
		mustContain(t, r.get("/admin/rounds/run", c), "Run a round of introductions now?", `id="run-confirm"`)
		res := r.do("POST", "/admin/rounds/run", c, url.Values{"csrf": {r.csrf(c)}})
		if res.Code != http.StatusOK {
			t.Fatalf("without confirm: status %d", res.Code)
		}
		if _, err := r.db.LatestRound(r.ctx); bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Fatalf("a round ran without confirmation: %v", err)
		}
		res = r.do("POST", "/admin/rounds/run", c, url.Values{"csrf": {r.csrf(c)}, "confirm": {"yes"}})
		if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/rounds?done=ran&round=1" {
			t.Fatalf("run: status %d to %q\n%s", res.Code, res.Header().Get("Location"), res.Body)
		}
		page := r.get("/admin/rounds?done=ran&round=1", c)
		mustContain(t, page, "Round 1 is under way: 2 introductions, 0 left out. The messages are on their way.", `<table id="past-rounds">`)

		res = r.do("POST", "/admin/rounds/run", c, url.Values{"csrf": {r.csrf(c)}, "confirm": {"yes"}})
		if res.Code != http.StatusConflict {
			t.Fatalf("second run in the period: status %d, want 409", res.Code)
		}
		mustContain(t, res.Body.String(), "already run, so nothing was run")
		mustContain(t, r.get("/admin/log", c), "Ran a round", "round 1")
	})
}

func TestTheMeetupsPageShowsWhoIsComing(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		n := r.network()
		start := r.clock().Add(72 * time.Hour)
		m := &bot.Meetup{Title: "First5 lunch", StartsAt: start, EndsAt: start.Add(time.Hour), Place: "Riverside Surgery, room 2", Capacity: 1, Channel: "C1"}
		if _, err := r.db.CreateMeetup(r.ctx, "slack", n.priya.UserID, m); err != nil {
			t.Fatal(err)
		}
		if err := r.db.SetMeetupPost(r.ctx, m.ID, "slack", "C1", "1.0"); err != nil {
			t.Fatal(err)
		}
		for who, answer := range map[*bot.Member]string{n.sam: bot.RSVPGoing, n.chloe: bot.RSVPMaybe, n.omar: bot.RSVPNotGoing} {
			if _, err := r.db.RespondToMeetup(r.ctx, m.ID, "slack", who.UserID, answer, r.clock()); err != nil {
				t.Fatal(err)
			}
		}
		page := r.get("/admin/meetups", r.signIn())
		mustContain(t, page, "First5 lunch", "hosted by Priya Shah", "<strong>1</strong> going of 1 place",
			"<dt>Going</dt><dd>Sam Okafor</dd>", "<dt>Maybe</dt><dd>Chloe Evans</dd>", "<dt>Not going</dt><dd>Omar Haddad</dd>")
	})
}
