package bot

import (
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/matcher"
)

func TestExplain(t *testing.T) {
	pair, trio := []string{"a", "b"}, []string{"a", "b", "c"}
	type R = matcher.Reason
	sam, priya := []string{"Sam", "Priya"}, []string{"Priya", "Sam"}
	tests := []struct {
		name    string
		members []string
		why     []R
		want    string
	}{
		{
			name: "a shared interest and an offer that meets an ask", members: pair,
			why: []R{
				{Kind: matcher.ReasonInterests, Names: sam, Topics: []string{"Frailty"}},
				{Kind: matcher.ReasonOfferAsk, Names: sam, Topics: []string{"QI"}},
				{Kind: matcher.ReasonSectors, Names: sam, Sectors: []string{"gp_practice", "community_pharmacy"}},
			},
			want: "Both are interested in frailty; Sam can help with QI, which Priya wants to learn; Sam brings a view from general practice and Priya from community pharmacy.",
		},
		{
			name: "what both share, later in the sentence", members: pair,
			why: []R{
				{Kind: matcher.ReasonMentor, Names: priya},
				{Kind: matcher.ReasonInterests, Names: sam, Topics: []string{"Cycling", "QI", "Line dancing"}},
				{Kind: matcher.ReasonVideo, Names: sam},
			},
			want: "Priya is happy to mentor and Sam is looking for a mentor; both are interested in cycling, QI and line dancing; both prefer a video call.",
		},
		{
			name: "a repeat, said first", members: pair,
			why: []R{
				{Kind: matcher.ReasonRepeat, Names: sam, Round: 8},
				{Kind: matcher.ReasonInPerson, Names: sam},
			},
			want: "Sam and Priya were introduced in round 8, but nobody else was free to meet them this time; both like to meet in person.",
		},
		{
			name: "nothing special", members: pair,
			why:  []R{{Kind: matcher.ReasonFirstMeeting, Names: []string{"Sam Jones", "Sam Smith"}}},
			want: "Sam Jones and Sam Smith work at different organisations and have not been introduced yet.",
		},
		{
			name: "at most four reasons", members: pair,
			why: []R{
				{Kind: matcher.ReasonInterests, Names: sam, Topics: []string{"frailty"}},
				{Kind: matcher.ReasonOfferAsk, Names: sam, Topics: []string{"QI", "Coding"}},
				{Kind: matcher.ReasonOfferAsk, Names: priya, Topics: []string{"housing"}},
				{Kind: matcher.ReasonMentor, Names: sam},
				{Kind: matcher.ReasonSectors, Names: sam, Sectors: []string{"weird_code", "other"}},
			},
			want: "Both are interested in frailty; Sam can help with QI and coding, which Priya wants to learn; Priya can help with housing, which Sam wants to learn; Sam is happy to mentor and Priya is looking for a mentor.",
		},
		{
			name: "a trio names who shares what", members: trio,
			why: []R{
				{Kind: matcher.ReasonInterests, Names: []string{"Sam", "Priya", "Ola"}, Topics: []string{"Cycling", "Frailty"}},
				{Kind: matcher.ReasonInPerson, Names: []string{"Sam", "Priya", "Ola"}},
				{Kind: matcher.ReasonInterests, Names: sam, Topics: []string{"QI"}},
				{Kind: matcher.ReasonVideo, Names: []string{"Ola", "Sam"}},
				{Kind: matcher.ReasonSectors, Names: []string{"Ola", "Sam"}, Sectors: []string{"pcn_team", "voluntary_sector"}},
				{Kind: matcher.ReasonJoined, Names: []string{"Ola"}},
			},
			want: "Sam, Priya and Ola are all interested in cycling and frailty; Sam, Priya and Ola all like to meet in person; Sam and Priya are both interested in QI; Ola and Sam both prefer a video call. Ola joins to make a group of three, so nobody is left out.",
		},
		{
			name: "a trio with nothing special", members: trio,
			why: []R{
				{Kind: matcher.ReasonFirstMeeting, Names: []string{"Sam", "Priya", "Ola"}},
				{Kind: matcher.ReasonJoined, Names: []string{"Ola"}},
			},
			want: "Three people from different organisations who have not been introduced yet. Ola joins to make a group of three, so nobody is left out.",
		},
		{
			name: "a reason of a kind not known here is not said", members: pair,
			why:  []R{{Kind: 99, Names: sam}, {Kind: matcher.ReasonVideo, Names: sam}},
			want: "Both prefer a video call.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := explain(matcher.Group{Members: tt.members, Why: tt.why}); got != tt.want {
				t.Errorf("explain:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// The matcher's reasons for a real round read as the sentence stored with
// the intro.
func TestExplainAMatchedPair(t *testing.T) {
	sam := matcher.Member{ID: "sam", Name: "Sam Jones", Organisation: "Riverside Surgery", Sector: "gp_practice", Interests: []string{"frailty", "cycling"}, Offers: []string{"QI"}, Meeting: "either"}
	priya := matcher.Member{ID: "priya", Name: "Priya Patel", Organisation: "High Street Pharmacy", Sector: "community_pharmacy", Interests: []string{"Frailty"}, Asks: []string{"qi "}, Meeting: "either"}
	res, err := matcher.Match(matcher.Input{Round: 1, Members: []matcher.Member{sam, priya}}, matcher.Options{})
	if err != nil || len(res.Groups) != 1 {
		t.Fatalf("groups %+v, %v", res.Groups, err)
	}
	const want = "Both are interested in frailty; Sam can help with QI, which Priya wants to learn; Sam brings a view from general practice and Priya from community pharmacy."
	if got := explain(res.Groups[0]); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// Every sector code the bot uses reads as words, not as a code.
func TestSectorPhrases(t *testing.T) {
	for _, s := range Sectors {
		if _, ok := sectorPhrases[s.Code]; !ok {
			t.Errorf("sector %q has no words, so reads as %q", s.Code, sectorPhrase(s.Code))
		}
	}
	for code, want := range map[string]string{
		"pcn_team": "the PCN team", "education_training": "education and training",
		"voluntary_sector": "the voluntary sector", "local_authority": "the local authority and public health",
		"made_up_code": "made up code",
	} {
		if got := sectorPhrase(code); got != want {
			t.Errorf("sectorPhrase(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestUnmatchedReason(t *testing.T) {
	for _, tt := range []struct {
		u    matcher.Unmatched
		want string
	}{
		{matcher.Unmatched{Why: matcher.UnmatchedAlone, Name: "Sam"}, "Sam was the only member in this round."},
		{matcher.Unmatched{Why: matcher.UnmatchedColleagues, Name: "Sam", Organisation: "Riverside Surgery"}, "Everyone else in this round is from Riverside Surgery, and colleagues are never paired."},
		{matcher.Unmatched{Why: matcher.UnmatchedBlocked, Name: "Sam"}, "Every possible partner for Sam from another organisation is on a do-not-pair list."},
		{matcher.Unmatched{Why: matcher.UnmatchedNoRoom, Name: "Sam"}, "Everyone Sam could meet was already paired, and no pair could take a third without breaking a rule (same organisation or do-not-pair)."},
	} {
		if got := unmatchedReason(tt.u); got != tt.want {
			t.Errorf("unmatchedReason(%+v) = %q, want %q", tt.u, got, tt.want)
		}
	}
}

func TestSkipReason(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	// Late on Monday in New York is Tuesday in London, the network's zone.
	late := time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC).In(time.FixedZone("EST", -5*3600))
	for _, tt := range []struct {
		s    matcher.Skip
		want string
	}{
		{matcher.Skip{Kind: matcher.SkipUnknownFrequency, Frequency: "hourly"}, `Unknown frequency "hourly".`},
		{matcher.Skip{Kind: matcher.SkipPaused}, "Paused until they resume."},
		{matcher.Skip{Kind: matcher.SkipPausedUntil, Until: time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)}, "Paused until Sunday 10 January 2027."},
		{matcher.Skip{Kind: matcher.SkipTooSoon, Frequency: "fortnightly", Made: late}, "Introduced on Tuesday 1 December and asked for fortnightly introductions."},
		{matcher.Skip{}, ""},
	} {
		if got := skipReason(tt.s, london); got != tt.want {
			t.Errorf("skipReason(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}
