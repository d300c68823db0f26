package matcher

import "testing"

func TestMidSentence(t *testing.T) {
	for tag, want := range map[string]string{
		"Frailty": "frailty", "Line dancing": "line dancing", "QI": "QI",
		"CQC and compliance": "CQC and compliance", "": "", "Ölfarben": "ölfarben",
	} {
		if got := MidSentence(tag); got != want {
			t.Errorf("MidSentence(%q) = %q, want %q", tag, got, want)
		}
	}
}
