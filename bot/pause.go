package bot

import (
	"strconv"
	"strings"
	"time"
)

// MaxPause is the longest pause with an end date; longer breaks are
// indefinite pauses that the member ends with "resume".
const MaxPause = 366 * 24 * time.Hour

var dateLayouts = []string{"2006-01-02", "2/1/2006", "02/01/2006", "2 January 2006", "2 Jan 2006", "January 2 2006"}

// parsePause reads the words after "pause" and returns the first day the
// member is back (midnight in loc, as UTC), or nil for an indefinite pause.
func parsePause(args []string, now time.Time, loc *time.Location) (*time.Time, error) {
	if len(args) == 0 {
		return nil, nil
	}
	today := now.In(loc)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	text := strings.Join(args, " ")
	var until time.Time

	if strings.EqualFold(args[0], "until") || strings.EqualFold(args[0], "till") {
		if len(args) == 1 {
			return nil, Refuse(EINVALID, "Until when? Try ", Cmd("pause until 2027-01-10"), ".")
		}
		date := strings.TrimSuffix(strings.Join(args[1:], " "), ".")
		var ok bool
		for _, layout := range dateLayouts {
			if d, err := time.ParseInLocation(layout, date, loc); err == nil {
				until, ok = d, true
				break
			}
		}
		if !ok {
			return nil, Refuse(EINVALID, "I couldn't read the date “", Truncate(date, 30), "”. Please write it as year-month-day, for example ", Cmd("pause until 2027-01-10"), ".")
		}
		if !until.After(today) {
			return nil, Refuse(EINVALID, until.Format("2 January 2006"), " has already passed. Please choose a date after today, for example ", Cmd("pause until "+today.AddDate(0, 0, 14).Format("2006-01-02")), ".")
		}
	} else {
		n, unit, ok := amount(args)
		if !ok {
			return nil, Refuse(EINVALID, "I couldn't read “", Truncate(text, 30), "”. Try ", Cmd("pause"), " (until you resume), ", Cmd("pause 3 weeks"), ", or ", Cmd("pause until 2027-01-10"), ".")
		}
		if n < 1 {
			return nil, Refuse(EINVALID, "Please pause for at least one day, for example ", Cmd("pause 1 week"), ".")
		}
		switch unit {
		case "day":
			until = today.AddDate(0, 0, n)
		case "week":
			until = today.AddDate(0, 0, 7*n)
		case "month":
			until = today.AddDate(0, n, 0)
		}
	}
	if until.Sub(today) > MaxPause {
		return nil, Refuse(EINVALID, "That is more than a year away. For a longer break, use ", Cmd("pause"), " on its own and ", Cmd("resume"), " when you are back.")
	}
	u := until.UTC()
	return &u, nil
}

// amount reads "3 weeks", "3weeks", "a month" or "1 day".
func amount(args []string) (n int, unit string, ok bool) {
	var num, word string
	switch len(args) {
	case 1:
		i := strings.IndexFunc(args[0], func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 {
			return 0, "", false
		}
		num, word = args[0][:i], args[0][i:]
	case 2:
		num, word = args[0], args[1]
	default:
		return 0, "", false
	}
	if strings.EqualFold(num, "a") || strings.EqualFold(num, "one") {
		n = 1
	} else {
		var err error
		if n, err = strconv.Atoi(num); err != nil || n > 400 {
			return 0, "", false
		}
	}
	word = strings.TrimSuffix(strings.ToLower(word), "s")
	switch word {
	case "day", "d":
		return n, "day", true
	case "week", "wk", "w":
		return n, "week", true
	case "month", "mo":
		return n, "month", true
	}
	return 0, "", false
}
