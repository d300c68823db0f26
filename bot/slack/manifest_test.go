package slack_test

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// manifest reads slack-app-manifest.yaml as paths ("features.app_home.
// home_tab_enabled") to their values, a list's items joined by commas.
// It reads the plain subset of YAML the manifest is written in.
func manifest(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type level struct {
		indent int
		key    string
	}
	var stack []level
	out := map[string]string{}
	path := func() string {
		keys := make([]string, len(stack))
		for i, l := range stack {
			keys[i] = l.key
		}
		return strings.Join(keys, ".")
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if item, ok := strings.CutPrefix(trimmed, "- "); ok {
			for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
				stack = stack[:len(stack)-1]
			}
			if k, v, ok := strings.Cut(item, ": "); ok {
				// A list of objects: keep the first key's value, to tell
				// the items apart.
				stack = append(stack, level{indent, strings.Trim(v, `"`)})
				out[path()+"."+k] = strings.Trim(v, `"`)
				stack[len(stack)-1].indent = indent + 1
				continue
			}
			if out[path()] != "" {
				out[path()] += ","
			}
			out[path()] += item
			continue
		}
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		k, v, _ := strings.Cut(trimmed, ":")
		stack = append(stack, level{indent, k})
		if v = strings.Trim(strings.TrimSpace(v), `"`); v != "" {
			out[path()] = v
		}
	}
	return out
}

// The app the manifest creates has what the adapter needs: Socket Mode,
// the Home tab and a Messages tab people can write in, the two events the
// adapter answers, the scope message.im needs, and the escaped command
// that sends mentions as user IDs.
func TestManifestHasAppHomeAndEvents(t *testing.T) {
	m := manifest(t)
	for path, want := range map[string]string{
		"settings.socket_mode_enabled":                        "true",
		"settings.interactivity.is_enabled":                   "true",
		"features.app_home.home_tab_enabled":                  "true",
		"features.app_home.messages_tab_enabled":              "true",
		"features.app_home.messages_tab_read_only_enabled":    "false",
		"settings.event_subscriptions.bot_events":             "app_home_opened,message.im",
		"features.slash_commands./introduce-me.should_escape": "true",
	} {
		if got := m[path]; got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	scopes := strings.Split(m["oauth_config.scopes.bot"], ",")
	for _, s := range []string{"im:history", "chat:write", "im:write", "commands"} {
		if !slices.Contains(scopes, s) {
			t.Errorf("bot scopes %v lack %s", scopes, s)
		}
	}
}
