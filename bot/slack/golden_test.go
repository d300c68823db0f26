package slack

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-pcn/rapport/bot"
)

var update = flag.Bool("update", false, "rewrite the golden files from what the code renders now")

// Every kind of message renders as the Block Kit its golden file in
// testdata/golden shows, and every form as its modal; the home summaries
// also as the Home tab they are published as (testdata/golden/home_tab).
func TestBlockKitGoldenFiles(t *testing.T) {
	for _, ex := range bot.Examples() {
		t.Run(ex.Name, func(t *testing.T) {
			var v any
			if ex.Message != nil {
				text, blocks := renderMessage(ex.Message)
				v = map[string]any{"text": text, "blocks": blocks}
			} else {
				v = renderModal(ex.Form)
			}
			golden(t, filepath.Join("testdata", "golden", ex.Name+".json"), v)
			if ex.Message != nil && strings.HasPrefix(ex.Name, "home_") {
				golden(t, filepath.Join("testdata", "golden", "home_tab", ex.Name+".json"), renderHome(ex.Message))
			}
		})
	}
}

// golden compares v, as indented JSON, with the file at path, or rewrites
// the file with -update.
func golden(t *testing.T, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot/slack -run Golden -update to write it)", err)
	}
	if string(want) != string(got)+"\n" {
		t.Errorf("%s differs from what the code renders:\n%s", path, got)
	}
}
