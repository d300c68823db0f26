package web

import "testing"

func TestACSVCellNeverStartsAFormula(t *testing.T) {
	for in, want := range map[string]string{
		"Riverside Surgery": "Riverside Surgery",
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+44 practice":      "'+44 practice",
		"-1":                "'-1",
		"@SUM(A1)":          "'@SUM(A1)",
		"\tTabbed":          "'\tTabbed",
		"":                  "",
		"O'Neill & Co":      "O'Neill & Co",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}
