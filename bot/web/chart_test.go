package web

import "testing"

func TestAnAxisEndsAtARoundNumber(t *testing.T) {
	for m, want := range map[float64]float64{0: 4, 3: 4, 5: 8, 48: 60, 50: 60, 620: 800, 1000: 1000, 1001: 1200} {
		if got := niceMax(m); got != want {
			t.Errorf("niceMax(%v) = %v, want %v", m, got, want)
		}
	}
}
