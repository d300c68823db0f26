package bot

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestMeetupFormValidation(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, london)
	valid := func() MeetupForm {
		return MeetupForm{Title: "PCN lunch", Purpose: "PCN lunch", Date: "2026-06-03", Start: "12:30", End: "14:00", Place: "Riverside Surgery", Food: "no"}
	}
	tests := []struct {
		name  string
		edit  func(f *MeetupForm)
		field string // "" when valid
		says  string
	}{
		{"valid", func(*MeetupForm) {}, "", ""},
		{"video only", func(f *MeetupForm) { f.Place, f.Link = "", "https://meet.example.org/x" }, "", ""},
		{"date passed", func(f *MeetupForm) { f.Date = "2026-05-31" }, MeetupFieldDate, "passed"},
		{"start passed today", func(f *MeetupForm) { f.Date, f.Start = "2026-06-01", "09:59" }, MeetupFieldStart, "passed"},
		{"end before start", func(f *MeetupForm) { f.End = "12:00" }, MeetupFieldEnd, "before the start"},
		{"end equals start", func(f *MeetupForm) { f.End = "12:30" }, MeetupFieldEnd, "after 12:30"},
		{"capacity zero", func(f *MeetupForm) { f.Capacity = "0" }, MeetupFieldCapacity, "at least 1"},
		{"capacity negative", func(f *MeetupForm) { f.Capacity = "-4" }, MeetupFieldCapacity, "at least 1"},
		{"capacity words", func(f *MeetupForm) { f.Capacity = "lots" }, MeetupFieldCapacity, "whole number"},
		{"link not http", func(f *MeetupForm) { f.Link = "javascript:alert(1)" }, MeetupFieldLink, "https://"},
		{"link ftp", func(f *MeetupForm) { f.Link = "ftp://x.org/a" }, MeetupFieldLink, "https://"},
		{"link http", func(f *MeetupForm) { f.Link = "http://meet.example.org/x" }, MeetupFieldLink, "rather than http://"},
		{"link with a pipe", func(f *MeetupForm) { f.Link = "https://x.org/a|click" }, MeetupFieldLink, "special characters"},
		{"nowhere", func(f *MeetupForm) { f.Place = "" }, MeetupFieldPlace, "where it is"},
		{"no title", func(f *MeetupForm) { f.Title = "  " }, MeetupFieldTitle, "title"},
		{"long title", func(f *MeetupForm) { f.Title = strings.Repeat("a", 81) }, MeetupFieldTitle, "80 characters"},
		{"no food answer", func(f *MeetupForm) { f.Food = "" }, MeetupFieldFood, "food"},
		{"unknown role", func(f *MeetupForm) { f.Roles = []string{"wizard"} }, MeetupFieldRoles, "no longer offered"},
		{"rsvp after the day", func(f *MeetupForm) { f.RSVPBy = "2026-06-04" }, MeetupFieldRSVPBy, "before the meetup"},
		{"rsvp passed", func(f *MeetupForm) { f.RSVPBy = "2026-05-30" }, MeetupFieldRSVPBy, "passed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid()
			tt.edit(&f)
			m, err := f.validate(now.UTC(), london)
			fields := FieldErrors(err)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v %v", err, fields)
				}
				if want := time.Date(2026, 6, 3, 11, 30, 0, 0, time.UTC); !m.StartsAt.Equal(want) {
					t.Errorf("starts %v, want %v (12:30 BST)", m.StartsAt, want)
				}
				return
			}
			if len(fields) != 1 || !strings.Contains(fields[tt.field], tt.says) {
				t.Errorf("errors = %v, want %s to say %q", fields, tt.field, tt.says)
			}
		})
	}
}

func TestReminderTimesFollowTheNetworksClock(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	s := &Meetups{Location: london}
	// The clocks go forward on Sunday 29 March 2026: 09:00 on the Saturday
	// is GMT, the Sunday's meetup BST.
	m := &Meetup{StartsAt: time.Date(2026, 3, 29, 12, 0, 0, 0, london).UTC()}
	s.setReminderTimes(m)
	if want := time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC); !m.DayReminderAt.Equal(want) {
		t.Errorf("day before at %v, want %v", m.DayReminderAt, want)
	}
	if want := time.Date(2026, 3, 29, 10, 0, 0, 0, time.UTC); !m.HourReminderAt.Equal(want) {
		t.Errorf("hour before at %v, want %v", m.HourReminderAt, want)
	}
}

func TestCalendarLinks(t *testing.T) {
	m := &Meetup{
		Title: "First5 lunch & learn", Purpose: "First5 group", Place: "Riverside Surgery",
		StartsAt: time.Date(2026, 6, 3, 11, 30, 0, 0, time.UTC), EndsAt: time.Date(2026, 6, 3, 13, 0, 0, 0, time.UTC),
	}
	google, outlook := CalendarLinks(m)
	g, err := url.Parse(google)
	if err != nil || g.Host != "calendar.google.com" || g.Path != "/calendar/render" {
		t.Fatalf("google: %s", google)
	}
	q := g.Query()
	if q.Get("action") != "TEMPLATE" || q.Get("text") != m.Title || q.Get("dates") != "20260603T113000Z/20260603T130000Z" || q.Get("location") != "Riverside Surgery" {
		t.Errorf("google query: %v", q)
	}
	o, err := url.Parse(outlook)
	if err != nil || o.Host != "outlook.office.com" || o.Path != "/calendar/0/deeplink/compose" {
		t.Fatalf("outlook: %s", outlook)
	}
	q = o.Query()
	if q.Get("subject") != m.Title || q.Get("startdt") != "2026-06-03T11:30:00Z" || q.Get("enddt") != "2026-06-03T13:00:00Z" {
		t.Errorf("outlook query: %v", q)
	}
}

// An edited meetup's form shows what was chosen, and saving it unchanged
// changes nothing.
func TestMeetupFormRoundTrip(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, london).UTC()
	f := MeetupForm{Title: "PCN lunch", Purpose: "PCN lunch", Date: "2026-06-03", Start: "12:30", End: "14:00",
		Place: "Riverside", Link: "https://meet.example.org/x", Roles: []string{"gp_trainee"}, Sectors: []string{"housing"},
		Food: "yes", Capacity: "30", RSVPBy: "2026-06-02"}
	m, err := f.validate(now, london)
	if err != nil {
		t.Fatal(err)
	}
	back := FormFromMeetup(m, london)
	if back.RSVPBy != f.RSVPBy || back.Date != f.Date || back.Start != f.Start || back.End != f.End || back.Capacity != f.Capacity || back.Food != f.Food {
		t.Errorf("form %+v read back as %+v", f, back)
	}
	again, err := back.validate(now, london)
	if err != nil {
		t.Fatal(err)
	}
	if c := changes(m, again); len(c) != 0 {
		t.Errorf("saving unchanged changed %v", c)
	}
}
