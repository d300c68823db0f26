package bot

import (
	"path/filepath"
	"testing"
	"time"
)

// The meetup examples read as their golden files. (Once Examples lists
// them, TestExamplesReadAsTheirGoldenFiles checks them with the rest.)
func TestMeetupExamplesReadAsTheirGoldenFiles(t *testing.T) {
	loc := time.FixedZone("GMT", 0)
	priya, tom := sampleMembers([]Organisation{{ID: 1, Name: "Riverside Surgery"}, {ID: 2, Name: "Northfield Pharmacy"}})
	for _, ex := range meetupExamples(loc, time.Date(2026, 12, 1, 9, 30, 0, 0, loc), priya, tom) {
		t.Run(ex.Name, func(t *testing.T) {
			got := FormText(ex.Form)
			if ex.Message != nil {
				got = PlainText(ex.Message)
			}
			golden(t, filepath.Join("testdata", "messages", ex.Name+".txt"), got+"\n")
		})
	}
}
