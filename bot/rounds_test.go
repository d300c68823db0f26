package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func TestFirstQuestion(t *testing.T) {
	member := func(id int64, name, sector string, interests, offers, asks []string) Member {
		return Member{ID: id, Name: name, Status: StatusActive,
			Profile: formProfile(ProfileForm{Sector: sector, Interests: interests, Offers: offers, Asks: asks})}
	}
	sam := member(1, "Sam Jones", "gp_practice", []string{"Cycling"}, []string{"QI"}, nil)
	priya := member(2, "Priya Shah", "housing", []string{"cycling"}, nil, []string{"qi"})
	ola := member(3, "Ola Ade", "housing", []string{"Cycling"}, nil, nil)
	tests := []struct {
		name    string
		ms      []Member
		want    string
		starter int64
	}{
		{"an offer meets an ask", []Member{sam, priya}, "Sam, what has worked for you with QI?", 2},
		{"shared interest", []Member{{ID: 1, Name: "Sam", Profile: sam.Profile.withoutOffers()}, priya}, "You both care about cycling", 0},
		{"shared interest in a trio", []Member{{ID: 1, Name: "Sam", Profile: sam.Profile.withoutOffers()}, {ID: 2, Name: "Priya", Profile: priya.Profile.withoutAsks()}, ola}, "You all care about cycling", 0},
		{"different sectors", []Member{member(1, "A", "gp_practice", nil, nil, nil), member(2, "B", "housing", nil, nil, nil)}, "typical week", 0},
		{"same sector", []Member{member(1, "A", "gp_practice", nil, nil, nil), member(2, "B", "gp_practice", nil, nil, nil)}, "your team does", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, starter := firstQuestion(tt.ms, 3)
			if !strings.Contains(q, tt.want) {
				t.Errorf("question %q, want it to contain %q", q, tt.want)
			}
			if tt.starter != 0 && starter != tt.starter {
				t.Errorf("starter %d, want %d (the one who asked)", starter, tt.starter)
			}
			found := false
			for _, m := range tt.ms {
				found = found || m.ID == starter
			}
			if !found {
				t.Errorf("starter %d is not in the intro", starter)
			}
			if q2, s2 := firstQuestion(tt.ms, 3); q2 != q || s2 != starter {
				t.Errorf("not repeatable: %q/%d then %q/%d", q, starter, q2, s2)
			}
		})
	}
}

func (p Profile) withoutOffers() Profile { p.Offers = nil; return p }
func (p Profile) withoutAsks() Profile   { p.Asks = nil; return p }

// fakeRoundStore keeps rounds in memory for the admin commands: a period
// is claimed once, as the real store claims it. The methods a test does not
// use are left to the embedded interface, and panic if called.
type fakeRoundStore struct {
	RoundStore
	snapshot *RoundSnapshot
	stats    *Stats
	claimed  map[time.Time]bool
	created  int
}

func (f *fakeRoundStore) RoundSnapshot(context.Context) (*RoundSnapshot, error) {
	return f.snapshot, nil
}

func (f *fakeRoundStore) CreateRound(_ context.Context, period time.Time, force bool, now time.Time, plan func(*RoundSnapshot) (*RoundPlan, error)) (*Round, error) {
	if f.claimed[period] && !force {
		return nil, Errorf(ECONFLICT, "the period has a round")
	}
	p, err := plan(f.snapshot)
	if err != nil {
		return nil, err
	}
	if f.claimed == nil {
		f.claimed = map[time.Time]bool{}
	}
	f.claimed[period] = true
	f.created++
	return &Round{Number: f.snapshot.Number, Period: period, Forced: force, CreatedAt: now, Intros: len(p.Intros), LeftOut: len(p.LeftOut)}, nil
}

func (f *fakeRoundStore) RoundStats(context.Context, time.Time, int) (*Stats, error) {
	return f.stats, nil
}

// heard is one answer a person was shown, in order.
type heard struct {
	msg     *Message
	replace bool
}

// carryOut does what a platform does with a reply: shows its answer, then
// does its later work and shows what that answers, in turn.
func carryOut(t *testing.T, r *Reply) []heard {
	t.Helper()
	var out []heard
	for r != nil {
		if r.Answer != nil {
			out = append(out, heard{r.Answer, r.Replace})
		}
		if r.Later == nil {
			break
		}
		r = r.Later(context.Background())
	}
	return out
}

func roundsMember(id int64, name, org, sector string, interests ...string) Member {
	return Member{ID: id, Name: name, Status: StatusActive, Profile: formProfile(ProfileForm{
		OrganisationOther: org, Sector: sector, Role: "practice_nurse", Interests: interests,
	})}
}

// newRoundsChat is a network of four members who can be introduced and one
// who is paused, with a round scheduled each Monday at 9:00 and the clock
// on Tuesday 1 December 2026.
func newRoundsChat(t *testing.T) (*Chat, *fakeRoundStore, *int) {
	t.Helper()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := cron.ParseStandard("0 9 * * 1")
	if err != nil {
		t.Fatal(err)
	}
	paused := roundsMember(5, "Ola Ade", "Hillview Surgery", "gp_practice")
	paused.Paused = true
	store := &fakeRoundStore{snapshot: &RoundSnapshot{Number: 3, Members: []Member{
		roundsMember(1, "Sam Jones", "Riverside Surgery", "gp_practice", "Frailty"),
		roundsMember(2, "Priya Shah", "Northgate Housing", "housing", "Frailty"),
		roundsMember(3, "Helen Ashworth", "Hillview Surgery", "gp_practice"),
		roundsMember(4, "Tom Reed", "Age UK Riverside", "voluntary_sector"),
		paused,
	}}}
	now := func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, london) }
	ran := 0
	c := &Chat{
		Service:    &Service{IsAdmin: func(u User) bool { return u.ID == "UADMIN" }},
		Rounds:     &Rounds{Store: store, Now: now, NextRound: func(t time.Time) time.Time { return sched.Next(t.In(london)) }},
		Location:   london,
		Now:        now,
		AfterRound: func() { ran++ },
	}
	return c, store, &ran
}

func TestRoundsAdminAnswers(t *testing.T) {
	admin := User{Platform: "test", ID: "UADMIN"}
	member := User{Platform: "test", ID: "UMEMBER"}
	recent := []RoundStats{{Round: Round{Number: 2, CreatedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), Intros: 4, LeftOut: 1}, Trios: 1, Delivered: 4, Met: 2, Arranged: 1}}
	tests := []struct {
		name  string
		as    User
		args  string
		stats *Stats
		// want are the answers in order; each line must be in its answer.
		want [][]string
		// not must be in no answer.
		not []string
	}{
		{
			name: "a member asks for a preview",
			as:   member, args: "preview",
			want: [][]string{{"Only network admins can use /introduce-me admin."}},
		},
		{
			name: "a member asks for the figures",
			as:   member, args: "stats",
			want: [][]string{{"Only network admins can use /introduce-me admin."}},
			not:  []string{"Rapport in numbers"},
		},
		{
			name: "a member asks to run a round",
			as:   member, args: "run-now",
			want: [][]string{{"Only network admins can use /introduce-me admin."}},
			not:  []string{"[Run the round now]"},
		},
		{
			name: "preview",
			as:   admin, args: "preview",
			want: [][]string{
				{"Working out a preview of the next round…"},
				{
					"Preview of the round on Monday 7 December at 09:00 (nothing is stored or sent)",
					"• 4 members would take part, in 2 introductions.",
					"Not taking part this round (1)",
					"• Ola Ade: ",
					"The first introductions",
					"1. ",
					"2. ",
				},
			},
			not: []string{"Left out", "trio"},
		},
		{
			name: "stats",
			as:   admin, args: "stats",
			stats: &Stats{Active: 9, Paused: 1, Inactive: 2, Rounds: 2, Intros: 7, CrossOrganisation: 1, CrossSector: 0.5, MetRate: 0.25, ArrangedRate: 0.125, Recent: recent},
			want: [][]string{
				{"Gathering the figures…"},
				{
					"Rapport in numbers",
					"• Members: 9 taking part, 1 paused, 2 unreachable",
					"• Rounds: 2, introductions: 7",
					"• Across organisations: 100%, across sectors: 50%",
					"• Of delivered introductions: met 25%, arranged to meet (not yet met) 12%",
					"The last rounds",
					"round  date     intros  trios  delivered  failed   met  arranged  left out",
					"2      30 Nov        4      1          4       0     2         1         1",
				},
			},
		},
		{
			name: "stats before any round",
			as:   admin, args: "stats",
			stats: &Stats{Active: 2},
			want:  [][]string{{"Gathering the figures…"}, {"Rapport in numbers", "• Members: 2 taking part, 0 paused, 0 unreachable", "No round has run yet."}},
			not:   []string{"The last rounds"},
		},
		{
			name: "run-now asks first",
			as:   admin, args: "run-now",
			want: [][]string{{"Run a round of introductions now? Everyone taking part will get an introduction within the next few minutes. It counts as this period's round", "[Run the round now]", "[Cancel]"}},
			not:  []string{"--force"},
		},
		{
			name: "run-now --force says what force does",
			as:   admin, args: "run-now --FORCE",
			want: [][]string{{"--force: it runs even if this period's round has already run.", "[Run the round now]"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, store, ran := newRoundsChat(t)
			store.stats = tt.stats
			got := carryOut(t, c.roundsAdmin(context.Background(), tt.as, strings.Fields(tt.args)))
			if len(got) != len(tt.want) {
				var texts []string
				for _, h := range got {
					texts = append(texts, PlainText(h.msg))
				}
				t.Fatalf("%d answers, want %d: %q", len(got), len(tt.want), texts)
			}
			for i, h := range got {
				text := PlainText(h.msg)
				for _, w := range tt.want[i] {
					if !strings.Contains(text, w) {
						t.Errorf("answer %d lacks %q:\n%s", i+1, w, text)
					}
				}
				for _, n := range tt.not {
					if strings.Contains(text, n) {
						t.Errorf("answer %d says %q:\n%s", i+1, n, text)
					}
				}
				if h.replace {
					t.Errorf("answer %d replaces the message it answers", i+1)
				}
			}
			if store.created != 0 || *ran != 0 {
				t.Errorf("a round was stored (%d) or delivery woken (%d)", store.created, *ran)
			}
		})
	}
}

// The confirmation's buttons carry whether to force, and what the stats
// show of the last rounds is a table kept as it is.
func TestRoundsAdminMessageParts(t *testing.T) {
	c, store, _ := newRoundsChat(t)
	admin := User{Platform: "test", ID: "UADMIN"}
	for args, value := range map[string]string{"run-now": "normal", "run-now --force": "force"} {
		m := c.roundsAdmin(context.Background(), admin, strings.Fields(args)).Answer
		bs := m.Sections[len(m.Sections)-1].Buttons
		if len(bs) != 2 || bs[0].Action != "rounds_run_confirm" || bs[1].Action != "rounds_run_cancel" || bs[0].Value != value || bs[1].Value != value {
			t.Errorf("%s: buttons %+v, want confirm and cancel with %q", args, bs, value)
		}
		if bs[0].Style != StylePrimary {
			t.Errorf("%s: confirm style %q", args, bs[0].Style)
		}
	}
	store.stats = &Stats{Recent: []RoundStats{{Round: Round{Number: 1}}}}
	got := carryOut(t, c.roundsAdmin(context.Background(), admin, []string{"stats"}))
	last := got[len(got)-1].msg.Sections
	if pre := last[len(last)-1].Pre; !strings.HasPrefix(pre, "round  date") || strings.Count(pre, "\n") != 1 {
		t.Errorf("the table is not preformatted text of a heading row and a row: %q", pre)
	}
}

func TestRunNowConfirmation(t *testing.T) {
	admin := User{Platform: "test", ID: "UADMIN"}
	member := User{Platform: "test", ID: "UMEMBER"}
	type press struct {
		as            User
		action, value string
	}
	tests := []struct {
		name    string
		presses []press
		// want are, for the last press, the answers in order.
		want       []string
		rounds     int // rounds stored in all
		afterRound int // times delivery was woken
	}{
		{
			name:    "the admin confirms",
			presses: []press{{admin, "rounds_run_confirm", "normal"}},
			want:    []string{"Running the round…", "Round 3 is under way: 2 introductions for 4 members, 0 left out. The messages are on their way."},
			rounds:  1, afterRound: 1,
		},
		{
			name:    "the period has had its round",
			presses: []press{{admin, "rounds_run_confirm", "normal"}, {admin, "rounds_run_confirm", "normal"}},
			want:    []string{"Running the round…", "The round for this period has already run. To run another anyway, use /introduce-me admin run-now --force."},
			rounds:  1, afterRound: 1,
		},
		{
			name:    "forced, the period runs again",
			presses: []press{{admin, "rounds_run_confirm", "normal"}, {admin, "rounds_run_confirm", "force"}},
			want:    []string{"Running the round…", "Round 3 is under way"},
			rounds:  2, afterRound: 2,
		},
		{
			name:    "the admin cancels",
			presses: []press{{admin, "rounds_run_cancel", "normal"}},
			want:    []string{"Cancelled: no round was run."},
		},
		{
			// A crafted payload: the member is refused before anything
			// is said about running a round, and none runs.
			name:    "a member forges the confirm button",
			presses: []press{{member, "rounds_run_confirm", "force"}},
			want:    []string{"Only network admins can use /introduce-me admin run-now."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, store, ran := newRoundsChat(t)
			var got []heard
			for _, p := range tt.presses {
				got = carryOut(t, c.Action(context.Background(), p.as, p.action, p.value))
			}
			if len(got) != len(tt.want) {
				var texts []string
				for _, h := range got {
					texts = append(texts, PlainText(h.msg))
				}
				t.Fatalf("answers %q, want %q", texts, tt.want)
			}
			for i, h := range got {
				if text := PlainText(h.msg); !strings.Contains(text, tt.want[i]) {
					t.Errorf("answer %d = %q, want %q", i+1, text, tt.want[i])
				}
				if !h.replace {
					t.Errorf("answer %d does not replace the confirmation", i+1)
				}
			}
			if store.created != tt.rounds || *ran != tt.afterRound {
				t.Errorf("%d rounds stored and delivery woken %d times, want %d and %d", store.created, *ran, tt.rounds, tt.afterRound)
			}
		})
	}
}

// Counts agree with their nouns, and the lists stop before they outgrow a
// message.
func TestPreviewCountsAndLimits(t *testing.T) {
	period := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	trio := &RoundPlan{Eligible: 1, Intros: []PlannedIntro{{MemberIDs: []int64{1, 2, 3}, Explanation: "x"}}}
	text := PlainText(previewMessage(trio, period, time.UTC))
	if want := "1 member would take part, in 1 introduction (1 a trio, so nobody is left over)."; !strings.Contains(text, want) || strings.Contains(text, "1 introductions") {
		t.Errorf("preview %q, want %q", text, want)
	}

	big := &RoundPlan{Eligible: 80}
	for i := range 40 {
		big.Skipped = append(big.Skipped, LeftOut{Member: Member{Name: fmt.Sprint("Member ", i)}, Reason: "Paused until they resume."})
		big.Intros = append(big.Intros, PlannedIntro{MemberIDs: []int64{1, 2}, Explanation: fmt.Sprint("Reason ", i, ".")})
	}
	text = PlainText(previewMessage(big, period, time.UTC))
	for _, want := range []string{"Not taking part this round (40)", "• Member 29: Paused until they resume.", "• …and 10 more", "5. Reason 4.\n…and 35 more."} {
		if !strings.Contains(text, want) {
			t.Errorf("preview lacks %q:\n%s", want, text)
		}
	}
	for _, not := range []string{"Member 30:", "6. Reason 5."} {
		if strings.Contains(text, not) {
			t.Errorf("preview shows %q past its limit", not)
		}
	}
}

// Members of different platforms are never introduced to each other: an
// intro is one conversation, on one platform. Each platform's members are
// paired among themselves, even when a pair across platforms would share
// more.
func TestRoundsPairWithinAPlatform(t *testing.T) {
	on := func(platform string, m Member) Member { m.Platform, m.UserID = platform, platform+m.Name; return m }
	s := &RoundSnapshot{Number: 3, Members: []Member{
		on("slack", roundsMember(1, "Ann", "Riverside Surgery", "gp_practice", "Diabetes")),
		on("slack", roundsMember(2, "Ben", "Northfield Pharmacy", "community_pharmacy", "Frailty")),
		on("teams", roundsMember(3, "Cat", "Hillview Medical Centre", "gp_practice", "Frailty")),
		on("teams", roundsMember(4, "Dan", "Eastgate Housing", "housing", "Diabetes")),
		on("teams", roundsMember(5, "Eve", "Brook Lane Practice", "gp_practice", "Diabetes")),
	}}
	r := &Rounds{}
	period := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	p, err := r.plan(s, period, period)
	if err != nil {
		t.Fatal(err)
	}
	platform := map[int64]string{}
	for _, m := range s.Members {
		platform[m.ID] = m.Platform
	}
	placed := 0
	for _, in := range p.Intros {
		for _, id := range in.MemberIDs {
			placed++
			if platform[id] != platform[in.MemberIDs[0]] {
				t.Errorf("an intro across platforms: %v", in.MemberIDs)
			}
		}
	}
	if len(p.Intros) != 2 || placed != 5 || len(p.LeftOut) != 0 {
		t.Errorf("%d intros placing %d members, %d left out; want a Slack pair and a Teams trio", len(p.Intros), placed, len(p.LeftOut))
	}
}
