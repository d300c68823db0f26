package bot

import "testing"

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 places", 1: "1 place", 2: "2 places", -1: "-1 place"} {
		if got := Count(n, "place", "places"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
