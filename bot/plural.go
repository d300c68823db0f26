package bot

import "strconv"

// Plural returns one or many to agree with n: Plural(1, "place", "places")
// is "place".
func Plural(n int, one, many string) string {
	if n == 1 || n == -1 {
		return one
	}
	return many
}

// Count writes n followed by the noun that agrees with it: "1 introduction",
// "3 introductions", "0 places".
func Count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + Plural(n, one, many)
}
