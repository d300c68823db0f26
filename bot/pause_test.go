package bot

import (
	"strings"
	"testing"
	"time"
)

func TestParsePause(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC) // a Sunday
	tests := []struct {
		args    string
		want    string // first day back, local; "" for indefinite
		wantErr string // part of the message
	}{
		{args: "", want: ""},
		{args: "3 weeks", want: "2026-12-13"},
		{args: "1 week", want: "2026-11-29"},
		{args: "a month", want: "2026-12-22"},
		{args: "10 days", want: "2026-12-02"},
		{args: "2weeks", want: "2026-12-06"},
		{args: "until 2027-01-10", want: "2027-01-10"},
		{args: "until 10/01/2027", want: "2027-01-10"},
		{args: "until 10 January 2027", want: "2027-01-10"},
		{args: "until 2026-11-22", wantErr: "already passed"},
		{args: "until 2020-01-01", wantErr: "already passed"},
		{args: "until next tuesday", wantErr: "couldn't read the date"},
		{args: "until", wantErr: "Until when"},
		{args: "forever please", wantErr: "couldn't read"},
		{args: "0 weeks", wantErr: "at least one day"},
		{args: "2 years", wantErr: "couldn't read"},
		{args: "13 months", wantErr: "more than a year"},
		{args: "until 2028-06-01", wantErr: "more than a year"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got, err := parsePause(strings.Fields(tt.args), now, london)
			if tt.wantErr != "" {
				if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tt.wantErr) {
					t.Fatalf("err = %v, want EINVALID containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if got != nil {
					t.Fatalf("want indefinite, got %v", got)
				}
				return
			}
			if got == nil || got.In(london).Format("2006-01-02 15:04") != tt.want+" 00:00" {
				t.Fatalf("got %v, want local midnight of %s", got, tt.want)
			}
		})
	}
}
