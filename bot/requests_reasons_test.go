package bot

import (
	"strings"
	"testing"
)

// The intro a request makes names the topic asked about once, in its
// first reason, and still gives the other reasons the two share.
func TestRequestedIntroSaysTheTopicOnce(t *testing.T) {
	asker := Member{ID: 1, Name: "Priya Shah", FirstName: "Priya", Profile: Profile{
		Organisation: "Riverside Surgery", Sector: "gp_practice", Role: "practice_nurse",
		Asks: []string{"Diabetes", "Social prescribing"}, Meeting: "video"}}
	asked := Member{ID: 2, Name: "Tom Reid", FirstName: "Tom", Profile: Profile{
		Organisation: "Northfield Pharmacy", Sector: "community_pharmacy", Role: "community_pharmacist",
		Offers: []string{"Diabetes", "Social prescribing"}, Meeting: "video"}}
	pi := requestedIntro(asker, asked, "diabetes")
	if n := strings.Count(strings.ToLower(pi.Explanation), "diabetes"); n != 1 {
		t.Errorf("the reasons name diabetes %d times:\n%s", n, pi.Explanation)
	}
	for _, want := range []string{"Priya asked to talk about diabetes, which Tom can help with.", "social prescribing"} {
		if !strings.Contains(strings.ToLower(pi.Explanation), strings.ToLower(want)) {
			t.Errorf("the reasons lack %q:\n%s", want, pi.Explanation)
		}
	}
	if pi.StarterID != asker.ID || !strings.Contains(pi.Question, "diabetes") {
		t.Errorf("starter %d, question %q", pi.StarterID, pi.Question)
	}
}
