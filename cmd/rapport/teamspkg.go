package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rapport-pcn/rapport/bot"
)

// The Teams app package: a zip of manifest.json and two icons that an
// admin uploads to Teams. The manifest asks for a bot and nothing else:
// no tabs, no single sign-on (webApplicationInfo), no resource-specific
// consent and no Microsoft Graph permission, so the admin review has the
// shortest list to read.

// teamsManifestVersion is the manifest schema the package is written for:
// 1.25, generally available since January 2026. From 1.24 a bot's command
// list may hold 12 commands rather than 10.
const teamsManifestVersion = "1.25"

// teamsManifestSchema is the JSON schema of teamsManifestVersion.
const teamsManifestSchema = "https://developer.microsoft.com/json-schemas/teams/v1.25/MicrosoftTeams.schema.json"

// teamsMaxCommands is how many commands one command list may hold on
// teamsManifestVersion.
const teamsMaxCommands = 12

// teamsAppNamespace is the UUID namespace of Teams app IDs derived from a
// bot's app ID, so that the same bot always gets the same Teams app and an
// upload replaces the app rather than adding a second one.
var teamsAppNamespace = [16]byte{0xcd, 0x96, 0x4d, 0x82, 0xad, 0xd3, 0x42, 0xda, 0x9d, 0x26, 0xc3, 0x9f, 0x54, 0x54, 0xf1, 0xe3}

// teamsPackageTime is the modification time of every file in the zip, so
// the same flags always give the same bytes.
var teamsPackageTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// teamsAccentColor is the background of the colour icon and the colour
// Teams shows around it.
var teamsAccentColor = color.NRGBA{0x00, 0x69, 0x5c, 0xff}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`)

var semverPattern = regexp.MustCompile(`^([0-9]|[1-9][0-9]*)\.([0-9]|[1-9][0-9]*)\.([0-9]|[1-9][0-9]*)$`)

// hostPattern is a DNS host name: labels of letters, digits and hyphens.
var hostPattern = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)

// teamsCommand is one entry of a bot's command list in the manifest. The
// title is what Teams puts in the compose box when it is chosen, so it is
// exactly what a member would type.
type teamsCommand struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// teamsPersonalCommands are the commands Teams suggests in a member's
// chat with the bot: the ones members use most. "introduce-me help" lists
// the rest, the admin commands among them, and "meetup help" the meetup
// commands for hosts.
func teamsPersonalCommands() []teamsCommand {
	member := func(sub string) teamsCommand {
		title := strings.TrimSpace(strings.TrimPrefix(bot.CommandName, "/") + " " + sub)
		if sub == "help" {
			// The help's own words ("show this list") need the list.
			return teamsCommand{Title: title, Description: "Every command you can type to Rapport, the admins' among them"}
		}
		for _, c := range bot.Subcommands {
			if c.Name == sub && !c.Admin {
				return teamsCommand{Title: title, Description: sentence(c.Help)}
			}
		}
		panic("no member subcommand " + sub)
	}
	meetup := func(sub, help string) teamsCommand {
		return teamsCommand{Title: strings.TrimSpace(strings.TrimPrefix(bot.MeetupCommandName, "/") + " " + sub), Description: help}
	}
	return []teamsCommand{
		member(""),
		member("status"),
		member("pause"),
		member("resume"),
		meetup("", "Announce a meetup to the network (a form opens)"),
		meetup("list", "See the meetups coming up"),
		meetup("mine", "The meetups you're going to or hosting, with calendar links"),
		member("export"),
		member("leave"),
		member("help"),
	}
}

// teamsChannelCommands are the commands Teams suggests when someone
// @mentions the bot in a team's channel.
func teamsChannelCommands() []teamsCommand {
	return []teamsCommand{
		{Title: "meetups here", Description: "Network admins: announce the network's meetups in this channel"},
		{Title: strings.TrimPrefix(bot.CommandName, "/") + " help", Description: "What Rapport does, and the commands to type to it in a chat with Rapport"},
	}
}

// sentence gives a help phrase a capital letter, as Teams shows
// descriptions on their own.
func sentence(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// teamsManifest is manifest.json, with its fields in the order Microsoft's
// examples give them.
type teamsManifest struct {
	Schema          string `json:"$schema"`
	ManifestVersion string `json:"manifestVersion"`
	Version         string `json:"version"`
	ID              string `json:"id"`
	Developer       struct {
		Name          string `json:"name"`
		WebsiteURL    string `json:"websiteUrl"`
		PrivacyURL    string `json:"privacyUrl"`
		TermsOfUseURL string `json:"termsOfUseUrl"`
	} `json:"developer"`
	Name struct {
		Short string `json:"short"`
		Full  string `json:"full"`
	} `json:"name"`
	Description struct {
		Short string `json:"short"`
		Full  string `json:"full"`
	} `json:"description"`
	Icons struct {
		Color   string `json:"color"`
		Outline string `json:"outline"`
	} `json:"icons"`
	AccentColor  string             `json:"accentColor"`
	Bots         []teamsManifestBot `json:"bots"`
	Permissions  []string           `json:"permissions"`
	ValidDomains []string           `json:"validDomains,omitempty"`
}

type teamsManifestBot struct {
	BotID              string             `json:"botId"`
	Scopes             []string           `json:"scopes"`
	SupportsFiles      bool               `json:"supportsFiles"`
	IsNotificationOnly bool               `json:"isNotificationOnly"`
	CommandLists       []teamsCommandList `json:"commandLists"`
}

type teamsCommandList struct {
	Scopes   []string       `json:"scopes"`
	Commands []teamsCommand `json:"commands"`
}

const teamsShortDescription = "Introductions across the practices and sectors of your Primary Care Network."

const teamsFullDescription = `Rapport builds a professional network across the practices and sectors of an NHS Primary Care Network (PCN) and its partners: community pharmacy, social care, housing, education, mental health and the voluntary sector.

Members keep a short profile: their practice or organisation, role and career stage, interests, what they can help with and what they would like to learn, and how often they want an introduction. On a schedule (weekly by default), Rapport introduces people from different practices, preferring different sectors, an offer that meets an ask, shared interests and people who have not met. Each person gets a card that says why they were introduced, suggests a first question, and has a link that starts the chat. A few days later it asks whether they met.

Anyone can announce a meetup (a PCN lunch, a First5 group, a practice managers' session) to the network's channel; people answer with a button, and Rapport keeps the count, a waiting list and the reminders.

Members can pause, see their status, export everything Rapport holds about them, or leave and have it erased. Rapport is hosted by the PCN itself: profiles stay in the PCN's own database. It is not a clinical system: no patient data belongs in it.`

// teamsPackageInput is what the package is made from, once the flags and
// environment have been read and checked.
type teamsPackageInput struct {
	AppID      string
	Name       string
	Developer  string
	AppVersion string
	Host       string
	PrivacyURL string
	TermsURL   string
	WebsiteURL string
}

// teamsPackage writes the Teams app package for the bot whose app ID is
// --app-id (or TEAMS_APP_ID) to --out.
func teamsPackage(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("teams-package", `Writes the Teams app package (manifest.json and icons, zipped) that a Teams admin uploads
to add Rapport to the organisation. The manifest asks only for a bot (personal chats and
teams), with no Microsoft Graph or resource-specific permissions.
The privacy, terms and website addresses default to RAPPORT_PUBLIC_URL followed by
/privacy, /terms and /, and the host to RAPPORT_PUBLIC_URL's host.`, stderr)
	out := fs.String("out", "rapport-teams.zip", "the file to write")
	appID := fs.String("app-id", getenv("TEAMS_APP_ID"), "the bot's Microsoft app ID, a GUID (default TEAMS_APP_ID)")
	name := fs.String("name", "Rapport", "the app's name in Teams, at most 30 characters")
	developer := fs.String("developer", "Rapport", "who publishes the app (your PCN), at most 32 characters")
	appVersion := fs.String("app-version", "1.0.0", "the package's version (MAJOR.MINOR.PATCH); raise it for each new upload of a changed package")
	host := fs.String("host", "", "the public host name Rapport is served on, for validDomains (default RAPPORT_PUBLIC_URL's host)")
	privacy := fs.String("privacy-url", "", "the address of the privacy notice (default RAPPORT_PUBLIC_URL/privacy)")
	terms := fs.String("terms-url", "", "the address of the terms of use (default RAPPORT_PUBLIC_URL/terms)")
	website := fs.String("website-url", "", "the address of the app's website or support page (default RAPPORT_PUBLIC_URL)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	in, err := teamsPackageSettings(getenv("RAPPORT_PUBLIC_URL"), teamsPackageInput{
		AppID: *appID, Name: *name, Developer: *developer, AppVersion: *appVersion,
		Host: *host, PrivacyURL: *privacy, TermsURL: *terms, WebsiteURL: *website,
	})
	if err != nil {
		return err
	}
	zipped, manifest, err := buildTeamsPackage(in)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, zipped, 0o644); err != nil {
		return fmt.Errorf("writing the Teams app package: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: Teams app %s, version %s, for bot %s\n", *out, manifest.ID, manifest.Version, in.AppID)
	fmt.Fprintf(stdout, "  privacy notice: %s\n  terms of use:   %s\n  website:        %s\n", in.PrivacyURL, in.TermsURL, in.WebsiteURL)
	fmt.Fprintln(stdout, "Those pages must exist before you upload. Upload the package in the Teams admin centre (Teams apps > Manage apps > Upload new app) or the Teams Developer Portal.")
	return nil
}

// teamsPackageSettings fills in what the flags left out from the public
// URL and checks everything, reporting every problem at once.
func teamsPackageSettings(publicURL string, in teamsPackageInput) (teamsPackageInput, error) {
	var problems []string
	in.AppID = strings.ToLower(strings.TrimSpace(in.AppID))
	switch {
	case in.AppID == "":
		problems = append(problems, "the bot's app ID is missing: set TEAMS_APP_ID or give --app-id (the Microsoft app ID of the bot's Entra app registration, a GUID such as 00000000-0000-0000-0000-000000000000)")
	case !guidPattern.MatchString(in.AppID):
		// The value is not repeated: a client secret pasted here by
		// mistake must not reach a terminal or a log.
		problems = append(problems, "the bot's app ID is not a GUID: it looks like 00000000-0000-0000-0000-000000000000 (the Application (client) ID on the bot's Entra app registration, not its client secret)")
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 30 {
		problems = append(problems, "--name must be 1 to 30 characters")
	}
	in.Developer = strings.TrimSpace(in.Developer)
	if in.Developer == "" || utf8.RuneCountInString(in.Developer) > 32 {
		problems = append(problems, "--developer must be 1 to 32 characters")
	}
	if !semverPattern.MatchString(in.AppVersion) {
		problems = append(problems, fmt.Sprintf("--app-version %q must be three numbers such as 1.0.0", in.AppVersion))
	}

	base := strings.TrimRight(strings.TrimSpace(publicURL), "/")
	if base != "" {
		u, err := url.Parse(base)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			problems = append(problems, fmt.Sprintf("RAPPORT_PUBLIC_URL %q must be an https:// address such as https://rapport.example.nhs.uk", publicURL))
			base = ""
		} else if in.Host == "" {
			in.Host = u.Hostname()
		}
	}
	if in.Host != "" && !hostPattern.MatchString(in.Host) {
		problems = append(problems, fmt.Sprintf("--host %q must be a host name such as rapport.example.nhs.uk, without https:// or a path", in.Host))
	}

	var missing []string
	pages := []struct {
		value *string
		flag  string
		path  string
		what  string
	}{
		{&in.PrivacyURL, "--privacy-url", "/privacy", "privacy notice"},
		{&in.TermsURL, "--terms-url", "/terms", "terms of use"},
		{&in.WebsiteURL, "--website-url", "/", "website"},
	}
	for _, p := range pages {
		*p.value = strings.TrimSpace(*p.value)
		if *p.value == "" && base != "" {
			*p.value = base + p.path
		}
		if *p.value == "" {
			missing = append(missing, fmt.Sprintf("%s (%s)", p.what, p.flag))
			continue
		}
		if u, err := url.Parse(*p.value); err != nil || u.Scheme != "https" || u.Host == "" || len(*p.value) > 2048 {
			problems = append(problems, fmt.Sprintf("%s %q must be an https:// address", p.flag, *p.value))
		}
	}
	if len(missing) > 0 {
		problems = append(problems, "Teams requires the address of a privacy notice, terms of use and a website; missing: "+
			strings.Join(missing, ", ")+". Give those flags, or set RAPPORT_PUBLIC_URL to use its /privacy, /terms and / pages")
	}
	if len(problems) > 0 {
		return in, usageError{errors.New("cannot write the Teams app package:\n  " + strings.Join(problems, "\n  "))}
	}
	return in, nil
}

// buildTeamsPackage returns the zip and the manifest in it.
func buildTeamsPackage(in teamsPackageInput) ([]byte, *teamsManifest, error) {
	m := &teamsManifest{
		Schema:          teamsManifestSchema,
		ManifestVersion: teamsManifestVersion,
		Version:         in.AppVersion,
		ID:              teamsAppID(in.AppID),
		AccentColor:     fmt.Sprintf("#%02X%02X%02X", teamsAccentColor.R, teamsAccentColor.G, teamsAccentColor.B),
		Permissions:     []string{"identity", "messageTeamMembers"},
	}
	m.Developer.Name = in.Developer
	m.Developer.WebsiteURL = in.WebsiteURL
	m.Developer.PrivacyURL = in.PrivacyURL
	m.Developer.TermsOfUseURL = in.TermsURL
	m.Name.Short = in.Name
	m.Name.Full = in.Name + ": introductions across your Primary Care Network"
	m.Description.Short = teamsShortDescription
	m.Description.Full = teamsFullDescription
	m.Icons.Color = "color.png"
	m.Icons.Outline = "outline.png"
	m.Bots = []teamsManifestBot{{
		BotID:  in.AppID,
		Scopes: []string{"personal", "team"},
		CommandLists: []teamsCommandList{
			{Scopes: []string{"personal"}, Commands: teamsPersonalCommands()},
			{Scopes: []string{"team"}, Commands: teamsChannelCommands()},
		},
	}}
	if in.Host != "" {
		m.ValidDomains = []string{strings.ToLower(in.Host)}
	}

	var manifest bytes.Buffer
	enc := json.NewEncoder(&manifest)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, nil, err
	}
	colour, err := encodePNG(colorIcon())
	if err != nil {
		return nil, nil, err
	}
	outline, err := encodePNG(outlineIcon())
	if err != nil {
		return nil, nil, err
	}

	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	for _, f := range []struct {
		name string
		data []byte
	}{{"manifest.json", manifest.Bytes()}, {m.Icons.Color, colour}, {m.Icons.Outline, outline}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: teamsPackageTime})
		if err != nil {
			return nil, nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	return zipped.Bytes(), m, nil
}

// teamsAppID derives the Teams app's own ID from the bot's app ID: a
// name-based UUID (version 5, RFC 9562) in teamsAppNamespace.
func teamsAppID(botAppID string) string {
	h := sha1.New()
	h.Write(teamsAppNamespace[:])
	h.Write([]byte(strings.ToLower(botAppID)))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func encodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// The mark is two linked rings: two people, introduced.

// ring is a circle's outline: a centre, an outer radius and a width.
type ring struct{ cx, cy, r, width float64 }

func (g ring) contains(x, y float64) bool {
	d := math.Hypot(x-g.cx, y-g.cy)
	return d <= g.r && d >= g.r-g.width
}

// ringCoverage reports how much of pixel (x, y) each ring covers, from 0
// to 1, counting a point both rings cover for the one on top: the rings
// link, the left passing over the right at the top crossing and under it
// at the bottom.
func ringCoverage(left, right ring, x, y int) (l, r float64) {
	const n = 4 // samples a side
	for i := range n {
		for j := range n {
			sx, sy := float64(x)+(float64(i)+0.5)/n, float64(y)+(float64(j)+0.5)/n
			inL, inR := left.contains(sx, sy), right.contains(sx, sy)
			switch {
			case inL && inR && sy < left.cy:
				l++
			case inL && inR:
				r++
			case inL:
				l++
			case inR:
				r++
			}
		}
	}
	return l / (n * n), r / (n * n)
}

// colorIcon is the 192×192 full-colour icon: the rings, white and amber,
// on the accent colour.
func colorIcon() *image.NRGBA {
	const size = 192
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	left := ring{cx: 76, cy: 96, r: 38, width: 11}
	right := ring{cx: 116, cy: 96, r: 38, width: 11}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	amber := color.NRGBA{0xff, 0xc8, 0x57, 0xff}
	for y := range size {
		for x := range size {
			l, r := ringCoverage(left, right, x, y)
			img.SetNRGBA(x, y, mix(teamsAccentColor, white, l, amber, r))
		}
	}
	return img
}

// outlineIcon is the 32×32 outline icon: the rings in white on a
// transparent background, as Teams requires.
func outlineIcon() *image.NRGBA {
	const size = 32
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	left := ring{cx: 11, cy: 16, r: 9.5, width: 2.5}
	right := ring{cx: 21, cy: 16, r: 9.5, width: 2.5}
	for y := range size {
		for x := range size {
			l, r := ringCoverage(left, right, x, y)
			img.SetNRGBA(x, y, color.NRGBA{0xff, 0xff, 0xff, uint8(math.Round(math.Min(1, l+r) * 255))})
		}
	}
	return img
}

// mix paints a over bg with coverage ca, and b with coverage cb.
func mix(bg, a color.NRGBA, ca float64, b color.NRGBA, cb float64) color.NRGBA {
	ch := func(g, x, y uint8) uint8 {
		return uint8(math.Round(float64(g)*(1-ca-cb) + float64(x)*ca + float64(y)*cb))
	}
	return color.NRGBA{ch(bg.R, a.R, b.R), ch(bg.G, a.G, b.G), ch(bg.B, a.B, b.B), 0xff}
}
