package config

import (
	"os"
	"regexp"
	"testing"
)

// TestEveryVariableIsListed reads the variables config.go looks up and
// checks that "serve --help" lists each one.
func TestEveryVariableIsListed(t *testing.T) {
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, v := range Variables {
		listed[v.Name] = true
	}
	read := regexp.MustCompile(`(?:getenv\(|secret\(|duration\(getenv, )"([A-Z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(read) < 15 {
		t.Fatalf("found only %d variables read in config.go; the pattern no longer matches how it reads them", len(read))
	}
	for _, m := range read {
		if !listed[m[1]] {
			t.Errorf("%s is read but not in Variables, so serve --help does not list it", m[1])
		}
	}
}
