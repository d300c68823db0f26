package bot

import "time"

// The ways a date is written in messages, in the network's time zone.

// when is "Monday 2 January at 15:04".
func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January at 15:04")
}

// day is "Monday 2 January 2006".
func day(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January 2006")
}

// shortDay is "2 Jan".
func shortDay(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 Jan")
}
