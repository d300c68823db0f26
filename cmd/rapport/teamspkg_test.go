package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-pcn/rapport/bot"
)

const testBotAppID = "11111111-2222-3333-4444-555555555555"

// writeTeamsPackage runs teams-package with env and args, and returns the
// zip it wrote, what it printed, and its error.
func writeTeamsPackage(t *testing.T, env map[string]string, args ...string) (zipped []byte, stdout string, err error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "rapport-teams.zip")
	var so, se bytes.Buffer
	err = teamsPackage(context.Background(), append([]string{"--out", out}, args...), func(k string) string { return env[k] }, &so, &se)
	zipped, readErr := os.ReadFile(out)
	if err == nil && readErr != nil {
		t.Fatalf("teams-package reported success but wrote nothing: %v", readErr)
	}
	if err != nil && readErr == nil {
		t.Errorf("teams-package failed (%v) but wrote %s anyway", err, out)
	}
	return zipped, so.String(), err
}

// unzipTeamsPackage returns the files of a package by name, failing on
// anything Teams would refuse: folders, or a file other than the three.
func unzipTeamsPackage(t *testing.T, zipped []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatalf("the package is not a zip: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("opening %s: %v", f.Name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("reading %s: %v", f.Name, err)
		}
		files[f.Name] = data
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"color.png", "manifest.json", "outline.png"}; !slices.Equal(names, want) {
		t.Fatalf("the package holds %v, want %v at its root", names, want)
	}
	return files
}

func defaultTeamsEnv() map[string]string {
	return map[string]string{"TEAMS_APP_ID": testBotAppID, "RAPPORT_PUBLIC_URL": "https://rapport.riverside-pcn.nhs.uk"}
}

func TestTeamsPackageManifestMeetsTheSchema(t *testing.T) {
	zipped, stdout, err := writeTeamsPackage(t, defaultTeamsEnv())
	if err != nil {
		t.Fatal(err)
	}
	files := unzipTeamsPackage(t, zipped)
	var m map[string]any
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest.json does not parse: %v", err)
	}

	// Only these top-level fields: a bot and nothing else, so no tabs, no
	// single sign-on (webApplicationInfo) and no resource-specific or
	// Graph permissions (authorization).
	allowed := []string{"$schema", "manifestVersion", "version", "id", "developer", "name", "description", "icons", "accentColor", "bots", "permissions", "validDomains"}
	for k := range m {
		if !slices.Contains(allowed, k) {
			t.Errorf("manifest has %q; the package should ask for a bot only", k)
		}
	}
	for _, k := range []string{"manifestVersion", "version", "id", "developer", "name", "description", "icons", "accentColor"} {
		if _, ok := m[k]; !ok {
			t.Errorf("manifest lacks %q, which schema %s requires", k, teamsManifestVersion)
		}
	}

	str := func(path ...string) string {
		var v any = m
		for _, p := range path {
			obj, _ := v.(map[string]any)
			v = obj[p]
		}
		s, _ := v.(string)
		return s
	}
	guid := regexp.MustCompile(`^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`)
	checks := []struct {
		name string
		ok   bool
	}{
		{"$schema names the manifest's version", str("$schema") == "https://developer.microsoft.com/json-schemas/teams/v"+str("manifestVersion")+"/MicrosoftTeams.schema.json"},
		{"manifestVersion is 1.24 or later (12 commands)", str("manifestVersion") >= "1.24" && len(str("manifestVersion")) == 4},
		{"version is semver", regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(str("version"))},
		{"id is a GUID", guid.MatchString(str("id"))},
		{"id is not the bot's app ID", !strings.EqualFold(str("id"), testBotAppID)},
		{"developer.name is 1 to 32 characters", len(str("developer", "name")) > 0 && len(str("developer", "name")) <= 32},
		{"name.short is 1 to 30 characters", len(str("name", "short")) > 0 && len(str("name", "short")) <= 30},
		{"name.full is at most 100 characters", len(str("name", "full")) <= 100},
		{"description.short is 1 to 80 characters", len(str("description", "short")) > 0 && len(str("description", "short")) <= 80},
		{"description.full is 1 to 4000 characters", len(str("description", "full")) > 0 && len(str("description", "full")) <= 4000},
		{"icons.color is color.png", str("icons", "color") == "color.png"},
		{"icons.outline is outline.png", str("icons", "outline") == "outline.png"},
		{"accentColor is #RRGGBB", regexp.MustCompile(`^#[0-9a-fA-F]{6}$`).MatchString(str("accentColor"))},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: manifest is\n%s", c.name, files["manifest.json"])
		}
	}
	for field, want := range map[string]string{
		"websiteUrl":    "https://rapport.riverside-pcn.nhs.uk/",
		"privacyUrl":    "https://rapport.riverside-pcn.nhs.uk/privacy",
		"termsOfUseUrl": "https://rapport.riverside-pcn.nhs.uk/terms",
	} {
		if got := str("developer", field); got != want {
			t.Errorf("developer.%s = %q, want %q (from RAPPORT_PUBLIC_URL)", field, got, want)
		}
		if !strings.Contains(stdout, want) {
			t.Errorf("teams-package did not tell the admin which %s it used; it printed:\n%s", field, stdout)
		}
	}

	var typed struct {
		Permissions  []string `json:"permissions"`
		ValidDomains []string `json:"validDomains"`
		Bots         []struct {
			BotID              string   `json:"botId"`
			Scopes             []string `json:"scopes"`
			SupportsFiles      bool     `json:"supportsFiles"`
			IsNotificationOnly bool     `json:"isNotificationOnly"`
			CommandLists       []struct {
				Scopes   []string `json:"scopes"`
				Commands []struct {
					Title       string `json:"title"`
					Description string `json:"description"`
				} `json:"commands"`
			} `json:"commandLists"`
		} `json:"bots"`
	}
	if err := json.Unmarshal(files["manifest.json"], &typed); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(typed.Permissions, []string{"identity", "messageTeamMembers"}) {
		t.Errorf("permissions = %v, want [identity messageTeamMembers]", typed.Permissions)
	}
	if !slices.Equal(typed.ValidDomains, []string{"rapport.riverside-pcn.nhs.uk"}) {
		t.Errorf("validDomains = %v, want the public host", typed.ValidDomains)
	}
	if len(typed.Bots) != 1 {
		t.Fatalf("manifest has %d bots, want 1", len(typed.Bots))
	}
	b := typed.Bots[0]
	if b.BotID != testBotAppID {
		t.Errorf("botId = %q, want the app ID %q", b.BotID, testBotAppID)
	}
	if !slices.Equal(b.Scopes, []string{"personal", "team"}) {
		t.Errorf("bot scopes = %v, want [personal team]", b.Scopes)
	}
	if b.SupportsFiles || b.IsNotificationOnly {
		t.Errorf("supportsFiles = %v, isNotificationOnly = %v; want both false", b.SupportsFiles, b.IsNotificationOnly)
	}
	if len(b.CommandLists) == 0 || len(b.CommandLists) > 3 {
		t.Fatalf("bot has %d command lists, want 1 to 3", len(b.CommandLists))
	}
	seen := map[string]bool{}
	for _, l := range b.CommandLists {
		if len(l.Scopes) != 1 || !slices.Contains(b.Scopes, l.Scopes[0]) {
			t.Errorf("a command list has scopes %v, want one of the bot's scopes", l.Scopes)
		}
		seen[strings.Join(l.Scopes, ",")] = true
		if n := len(l.Commands); n == 0 || n > teamsMaxCommands {
			t.Errorf("the %v command list has %d commands; schema %s allows 1 to %d", l.Scopes, n, teamsManifestVersion, teamsMaxCommands)
		}
		for _, c := range l.Commands {
			if c.Title == "" || len(c.Title) > 32 || c.Description == "" || len(c.Description) > 128 {
				t.Errorf("command %q (%q): titles must be 1 to 32 characters and descriptions 1 to 128 for every Teams client", c.Title, c.Description)
			}
		}
	}
	if !seen["personal"] || !seen["team"] {
		t.Errorf("command lists cover %v, want personal and team", seen)
	}
}

// TestTeamsPackageCommandsAreAnswered checks every command in the
// manifest against what the bot answers: a member command must be one
// bot's help lists and ParseCommand accepts, a meetup command one the
// meetup help lists.
func TestTeamsPackageCommandsAreAnswered(t *testing.T) {
	var helpLines []string
	for _, ex := range bot.Examples() {
		if ex.Name == "help_admin_after_unknown_word" || ex.Name == "meetup_help" {
			helpLines = append(helpLines, strings.Split(bot.PlainText(ex.Message), "\n")...)
		}
	}
	if len(helpLines) < 10 {
		t.Fatalf("could not find the bot's help among its examples: %q", helpLines)
	}
	inHelp := func(title string) bool {
		for _, l := range helpLines {
			if rest, ok := strings.CutPrefix(l, "• /"+title); ok && (strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, " ")) {
				return true
			}
		}
		return false
	}
	member := strings.TrimPrefix(bot.CommandName, "/")
	// The Teams adapter answers these itself, in a team's channel.
	channelOnly := []string{"meetups here"}

	lists := map[string][]teamsCommand{"personal": teamsPersonalCommands(), "team": teamsChannelCommands()}
	for scope, cmds := range lists {
		titles := map[string]bool{}
		for _, c := range cmds {
			if titles[c.Title] {
				t.Errorf("%s list: %q is listed twice", scope, c.Title)
			}
			titles[c.Title] = true
			if scope == "team" && slices.Contains(channelOnly, c.Title) {
				continue
			}
			if !inHelp(c.Title) {
				t.Errorf("%s list: %q is not a command the bot's help lists", scope, c.Title)
			}
			if sub, ok := strings.CutPrefix(c.Title, member); ok {
				if _, err := bot.ParseCommand(sub); err != nil {
					t.Errorf("%s list: the bot refuses %q: %v", scope, c.Title, err)
				}
			}
		}
	}
	for _, want := range []string{member, member + " status", member + " pause", member + " resume", member + " export", member + " leave", member + " help", "meetup list"} {
		if !slices.ContainsFunc(lists["personal"], func(c teamsCommand) bool { return c.Title == want }) {
			t.Errorf("the personal list lacks %q, which members use most", want)
		}
	}
}

func TestTeamsPackageIcons(t *testing.T) {
	zipped, _, err := writeTeamsPackage(t, defaultTeamsEnv())
	if err != nil {
		t.Fatal(err)
	}
	files := unzipTeamsPackage(t, zipped)
	decode := func(name string, size int) image.Image {
		t.Helper()
		img, err := png.Decode(bytes.NewReader(files[name]))
		if err != nil {
			t.Fatalf("%s is not a PNG: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Fatalf("%s is %dx%d, want %dx%d", name, b.Dx(), b.Dy(), size, size)
		}
		return img
	}

	colour := decode("color.png", 192)
	colours := map[color.NRGBA]bool{}
	for y := range 192 {
		for x := range 192 {
			c := color.NRGBAModel.Convert(colour.At(x, y)).(color.NRGBA)
			if c.A != 0xff {
				t.Fatalf("color.png has a transparent pixel at (%d, %d): a full-colour icon is opaque", x, y)
			}
			colours[c] = true
		}
	}
	if len(colours) < 3 {
		t.Errorf("color.png has %d colours: the mark is missing", len(colours))
	}

	outline := decode("outline.png", 32)
	var white, clear int
	for y := range 32 {
		for x := range 32 {
			c := color.NRGBAModel.Convert(outline.At(x, y)).(color.NRGBA)
			switch {
			case c.A == 0:
				clear++
			case c.R == 0xff && c.G == 0xff && c.B == 0xff:
				white++
			default:
				t.Fatalf("outline.png has %v at (%d, %d): an outline icon is white on transparent only", c, x, y)
			}
		}
	}
	if white == 0 || clear == 0 {
		t.Errorf("outline.png has %d white and %d transparent pixels, want both", white, clear)
	}
}

func TestTeamsPackageIsTheSameEachTime(t *testing.T) {
	first, _, err := writeTeamsPackage(t, defaultTeamsEnv())
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := writeTeamsPackage(t, defaultTeamsEnv())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Error("the same settings gave two different packages: an upload would look like a change")
	}

	id := func(zipped []byte) string {
		var m struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(unzipTeamsPackage(t, zipped)["manifest.json"], &m); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	// A name-based UUID (version 5) of the app ID, as Python's
	// uuid.uuid5(UUID("cd964d82-add3-42da-9d26-c39f5454f1e3"), app ID) gives.
	if got, want := id(first), "24595867-2f61-5b5f-b3a9-6d95594af36f"; got != want {
		t.Errorf("Teams app ID = %s, want %s", got, want)
	}
	upper := defaultTeamsEnv()
	upper["TEAMS_APP_ID"] = strings.ToUpper(testBotAppID)
	if sameBot, _, err := writeTeamsPackage(t, upper); err != nil || id(sameBot) != id(first) {
		t.Errorf("the app ID in capitals gave Teams app %s (err %v), want %s", id(sameBot), err, id(first))
	}
	other := defaultTeamsEnv()
	other["TEAMS_APP_ID"] = "99999999-2222-3333-4444-555555555555"
	if otherBot, _, err := writeTeamsPackage(t, other); err != nil || id(otherBot) == id(first) {
		t.Errorf("another bot got Teams app %s (err %v), the same as the first", id(otherBot), err)
	}
}

func TestTeamsPackageFlags(t *testing.T) {
	zipped, _, err := writeTeamsPackage(t, map[string]string{},
		"--app-id", testBotAppID, "--name", "Riverside Connect", "--developer", "Riverside PCN", "--app-version", "1.2.0",
		"--privacy-url", "https://riverside-pcn.nhs.uk/privacy-notice", "--terms-url", "https://riverside-pcn.nhs.uk/terms",
		"--website-url", "https://riverside-pcn.nhs.uk/rapport")
	if err != nil {
		t.Fatal(err)
	}
	var m teamsManifest
	if err := json.Unmarshal(unzipTeamsPackage(t, zipped)["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if m.Name.Short != "Riverside Connect" || m.Developer.Name != "Riverside PCN" || m.Version != "1.2.0" ||
		m.Developer.PrivacyURL != "https://riverside-pcn.nhs.uk/privacy-notice" || m.Developer.TermsOfUseURL != "https://riverside-pcn.nhs.uk/terms" ||
		m.Developer.WebsiteURL != "https://riverside-pcn.nhs.uk/rapport" || m.Bots[0].BotID != testBotAppID {
		t.Errorf("the flags were not all used: %+v", m)
	}
	if len(m.ValidDomains) != 0 {
		t.Errorf("validDomains = %v with no public host given, want none", m.ValidDomains)
	}

	// The host flag wins over RAPPORT_PUBLIC_URL's host.
	zipped, _, err = writeTeamsPackage(t, defaultTeamsEnv(), "--host", "bot.riverside-pcn.nhs.uk")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(unzipTeamsPackage(t, zipped)["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.ValidDomains, []string{"bot.riverside-pcn.nhs.uk"}) {
		t.Errorf("validDomains = %v, want the --host", m.ValidDomains)
	}
}

func TestTeamsPackageRefusesBadSettings(t *testing.T) {
	noURL := map[string]string{"TEAMS_APP_ID": testBotAppID}
	pages := []string{"--privacy-url", "https://x.nhs.uk/p", "--terms-url", "https://x.nhs.uk/t", "--website-url", "https://x.nhs.uk/"}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want []string // every one must be in the message
	}{
		{"no app ID", map[string]string{"RAPPORT_PUBLIC_URL": "https://r.nhs.uk"}, nil, []string{"app ID is missing", "TEAMS_APP_ID", "--app-id"}},
		{"app ID not a GUID", defaultTeamsEnv(), []string{"--app-id", "my-bot"}, []string{"is not a GUID"}},
		{"a client secret given as the app ID", defaultTeamsEnv(), []string{"--app-id", "abc8Q~xyzSECRETvalue0123456789abcdefghij"}, []string{"is not a GUID", "not its client secret"}},
		{"no public URL and no page flags", noURL, nil, []string{"privacy notice (--privacy-url)", "terms of use (--terms-url)", "website (--website-url)", "RAPPORT_PUBLIC_URL"}},
		{"one page flag missing", noURL, pages[:4], []string{"missing: website (--website-url)"}},
		{"a public URL over plain http", map[string]string{"TEAMS_APP_ID": testBotAppID, "RAPPORT_PUBLIC_URL": "http://r.nhs.uk"}, nil, []string{"RAPPORT_PUBLIC_URL", "https://"}},
		{"a page over plain http", noURL, append([]string{"--privacy-url", "http://x.nhs.uk/p"}, pages[2:]...), []string{`--privacy-url "http://x.nhs.uk/p" must be an https:// address`}},
		{"a host with a scheme", defaultTeamsEnv(), []string{"--host", "https://r.nhs.uk"}, []string{"--host", "without https://"}},
		{"a name too long for Teams", defaultTeamsEnv(), []string{"--name", strings.Repeat("n", 31)}, []string{"--name must be 1 to 30 characters"}},
		{"a version that is not semver", defaultTeamsEnv(), []string{"--app-version", "2"}, []string{"--app-version"}},
		{"every problem at once", map[string]string{}, []string{"--name", ""}, []string{"TEAMS_APP_ID", "--name", "--privacy-url"}},
		{"an argument left over", defaultTeamsEnv(), []string{"rapport-teams.zip"}, []string{"unexpected argument"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := writeTeamsPackage(t, c.env, c.args...)
			if err == nil {
				t.Fatal("teams-package accepted it")
			}
			if !errors.As(err, new(usageError)) {
				t.Errorf("error %v is not a usage error (exit code 2)", err)
			}
			for _, arg := range c.args {
				if strings.Contains(arg, "SECRET") && strings.Contains(err.Error(), arg) {
					t.Errorf("the message repeats what may be a client secret:\n%v", err)
				}
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the message does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestTeamsPackageURLsAreChecked keeps the page checks honest: each
// default page address is a URL with the public host.
func TestTeamsPackageURLsAreChecked(t *testing.T) {
	in, err := teamsPackageSettings("https://rapport.example.nhs.uk/base/", teamsPackageInput{AppID: testBotAppID, Name: "Rapport", Developer: "Rapport", AppVersion: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{in.PrivacyURL, in.TermsURL, in.WebsiteURL} {
		p, err := url.Parse(u)
		if err != nil || p.Host != "rapport.example.nhs.uk" || !strings.HasPrefix(p.Path, "/base/") {
			t.Errorf("page %q is not under the public URL https://rapport.example.nhs.uk/base", u)
		}
	}
	if in.Host != "rapport.example.nhs.uk" {
		t.Errorf("host = %q, want the public URL's host", in.Host)
	}
}
