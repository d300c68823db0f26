package storagetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/matcher/synth"
	"github.com/rapport-pcn/rapport/storage"
)

// LargeNetwork describes what SeedLargeNetwork stored.
type LargeNetwork struct {
	Members int
	Rounds  int
	// Organisations are the organisations' IDs, the largest first.
	Organisations []int64
	// Start is the first round's time; Now is a week after the last,
	// when the pages are read.
	Start, Now time.Time
}

// membersPerOrganisation sets how many organisations a large network
// has: an integrated care system's practices, pharmacies, trusts and
// partners, a few hundred of them at 100,000 members.
const membersPerOrganisation = 400

// listedShare is the share of members listed in the directory.
const listedShare = 0.4

// SeedLargeNetwork fills db, fresh and migrated, with a network of the
// given size, fast: members with plausible profiles (matcher/synth) in
// organisations of skewed sizes, and rounds of weekly history in which
// every member takes part at their frequency, with answers. It writes
// rows in bulk (see storage.DB.BulkInsert), so none of the rules on
// writes run, and then migrates again, which counts the rounds for the
// admin's pages and writes the directory's folded topics (listedShare of
// the members are listed). 100,000 members and 50 rounds take about a minute.
func SeedLargeNetwork(tb testing.TB, db *storage.DB, members, rounds int) *LargeNetwork {
	tb.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(uint64(members), uint64(rounds)))
	net := synth.Generate(members, 12)
	start := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC) // a Monday
	out := &LargeNetwork{Members: members, Rounds: rounds, Start: start, Now: start.AddDate(0, 0, 7*rounds)}

	// Organisations, each of one sector; each person joins one of their
	// sector's, the first ones much the largest.
	nOrgs := max(2, members/membersPerOrganisation)
	bySector := map[string][]int{}
	var orgRows [][]any
	for i := range nOrgs {
		sector := net.People[(i*members/nOrgs)%members].Sector
		name := fmt.Sprintf("%s %d", orgKind(sector), i+1)
		id := int64(i + 1)
		orgRows = append(orgRows, []any{id, name, bot.OrganisationKey(name), i%3 != 2, sector, start, start})
		bySector[sector] = append(bySector[sector], i)
		out.Organisations = append(out.Organisations, id)
	}
	bulk(tb, db, "organisations", []string{"id", "name", "name_key", "listed", "sector", "created_at", "updated_at"}, orgRows)

	type person struct {
		id        int64
		org       int
		frequency string
		takesPart bool
	}
	people := make([]person, members)
	var memberRows [][]any
	for i, p := range net.People {
		orgs := bySector[p.Sector]
		if len(orgs) == 0 {
			orgs = []int{0}
		}
		// Skewed: a sector's first organisations are much the largest.
		o := orgs[min(len(orgs)-1, int(float64(len(orgs))*r.Float64()*r.Float64()))]
		status := bot.StatusActive
		if r.Float64() < 0.02 {
			status = bot.StatusInactive
		}
		joined := start.Add(-time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
		paused := p.PausedIndefinitely
		people[i] = person{id: int64(i + 1), org: o, frequency: p.Frequency, takesPart: status == bot.StatusActive && !paused}
		orgName := orgRows[o][1]
		memberRows = append(memberRows, []any{
			int64(i + 1), "slack", fmt.Sprintf("U%08d", i+1), p.Name, firstWord(p.Name), out.Organisations[o], orgName, p.Sector,
			p.Role, p.CareerStage, jsonList(p.Interests), jsonList(p.Offers), jsonList(p.Asks), p.Frequency, p.Mentoring,
			p.Meeting, "", status, paused, nil, joined, joined, r.Float64() < listedShare,
		})
	}
	bulk(tb, db, "members", []string{"id", "platform", "user_id", "name", "first_name", "organisation_id", "organisation", "sector",
		"role", "career_stage", "interests", "offers", "asks", "frequency", "mentoring", "meeting", "bio", "status", "paused",
		"paused_until", "joined_at", "updated_at", "listed"}, memberRows)

	introID := int64(0)
	for round := 1; round <= rounds; round++ {
		at := start.AddDate(0, 0, 7*(round-1))
		bulk(tb, db, "rounds", []string{"id", "number", "period_key", "period", "forced", "created_at"},
			[][]any{{int64(round), round, "seed:" + at.Format(time.RFC3339), at, false, at}})
		var due []person
		for _, p := range people {
			if p.takesPart && (p.frequency == "weekly" || p.frequency == "fortnightly" && round%2 == 0 || p.frequency == "monthly" && round%4 == 0) {
				due = append(due, p)
			}
		}
		r.Shuffle(len(due), func(i, j int) { due[i], due[j] = due[j], due[i] })
		// Pairs from different organisations; the odd one out makes a trio.
		for k := 0; k+1 < len(due); k += 2 {
			if due[k].org == due[k+1].org && k+2 < len(due) {
				due[k+1], due[k+2] = due[k+2], due[k+1]
			}
		}
		var intros, places [][]any
		for k := 0; k+1 < len(due); k += 2 {
			group := due[k : k+2]
			if k+3 == len(due) {
				group = due[k : k+3]
			}
			introID++
			status := bot.IntroSent
			if r.Float64() < 0.03 {
				status = bot.IntroFailed
			}
			intros = append(intros, []any{introID, int64(round), "You both care about frailty.", "What would you change first?",
				group[0].id, 40 + r.IntN(40), false, status, "G" + fmt.Sprint(introID), "1700000000." + fmt.Sprint(introID), at, k / 2})
			for pos, p := range group {
				answer, answered := "", any(nil)
				if status == bot.IntroSent {
					switch x := r.Float64(); {
					case x < 0.35:
						answer = bot.AnswerYes
					case x < 0.5:
						answer = bot.AnswerArranged
					case x < 0.6:
						answer = "not_yet"
					}
					if answer != "" {
						answered = at.Add(7 * 24 * time.Hour)
					}
				}
				places = append(places, []any{introID, p.id, pos, answer, answered, false, out.Organisations[p.org]})
			}
		}
		bulk(tb, db, "intros", []string{"id", "round_id", "explanation", "question", "starter_id", "score", "relaxed", "status",
			"channel_id", "message_ts", "created_at", "position"}, intros)
		bulk(tb, db, "intro_members", []string{"intro_id", "member_id", "position", "answer", "answered_at", "unreachable", "organisation_id"}, places)
	}
	// Migrating again counts the rounds written, as it does rounds made
	// before the counts were kept.
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("seed: count rounds: %v", err)
	}
	if err := db.Analyze(ctx); err != nil {
		tb.Fatalf("seed: %v", err)
	}
	return out
}

func bulk(tb testing.TB, db *storage.DB, table string, columns []string, rows [][]any) {
	tb.Helper()
	if err := db.BulkInsert(context.Background(), table, columns, rows); err != nil {
		tb.Fatalf("seed: %v", err)
	}
}

func jsonList(xs []string) string {
	if len(xs) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(xs)
	return string(b)
}

func firstWord(name string) string {
	for i, c := range name {
		if c == ' ' {
			return name[:i]
		}
	}
	return name
}

// orgKind is what an organisation of the sector is called.
func orgKind(sector string) string {
	switch sector {
	case "gp_practice":
		return "Surgery"
	case "community_pharmacy":
		return "Pharmacy"
	case "hospital":
		return "Hospital Trust"
	case "education":
		return "School"
	default:
		return "Partner Organisation"
	}
}
