package bot

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files from what the code renders now")

// Every kind of message reads, as plain text, as its golden file in
// testdata/messages says: a change of wording shows there, and review
// of the words needs no code.
func TestExamplesReadAsTheirGoldenFiles(t *testing.T) {
	seen := map[string]bool{}
	for _, ex := range Examples() {
		if seen[ex.Name] {
			t.Fatalf("two examples named %s", ex.Name)
		}
		seen[ex.Name] = true
		t.Run(ex.Name, func(t *testing.T) {
			got := FormText(ex.Form)
			if ex.Message != nil {
				got = PlainText(ex.Message)
			}
			if got == "" {
				t.Fatalf("the example shows nothing")
			}
			golden(t, filepath.Join("testdata", "messages", ex.Name+".txt"), got+"\n")
		})
	}
}

// golden compares got with the file, or rewrites the file under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -run Examples -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from what the code renders:\n--- golden\n%s\n--- now\n%s", path, want, got)
	}
}
