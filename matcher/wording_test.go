package matcher

import "testing"

func TestWordsForSentences(t *testing.T) {
	for tag, want := range map[string]string{
		"Frailty": "frailty", "Line dancing": "line dancing", "QI": "QI",
		"CQC and compliance": "CQC and compliance", "": "", "Ölfarben": "ölfarben",
	} {
		if got := MidSentence(tag); got != want {
			t.Errorf("MidSentence(%q) = %q, want %q", tag, got, want)
		}
	}
	// Every sector code the bot uses reads as words, not as a code.
	for code, want := range map[string]string{
		"pcn_team": "the PCN team", "education_training": "education and training",
		"voluntary_sector": "the voluntary sector", "local_authority": "the local authority and public health",
	} {
		if got := sectorName(code); got != want {
			t.Errorf("sectorName(%q) = %q, want %q", code, got, want)
		}
	}
}
