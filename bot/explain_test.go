package bot

import (
	"testing"

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
