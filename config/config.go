// Package config reads Rapport's settings from environment variables, fills
// in defaults and checks them, so that a mistake is reported at start with
// the variable's name and how to fix it.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	_ "time/tzdata" // minimal images have no zoneinfo; Europe/London must still load
)

// Defaults used when a variable is unset.
const (
	DefaultSlackAPIURL = "https://slack.com/api/"
	DefaultDataDir     = "data"
	DefaultTimezone    = "Europe/London"
	DefaultSchedule    = "0 9 * * 1" // Monday 09:00

	// DefaultTeamsAddr is where the Teams adapter listens for the Bot
	// Framework's POST /api/messages.
	DefaultTeamsAddr = ":3978"
	// DefaultTeamsOpenIDMetadataURL is the Bot Framework's OpenID
	// metadata, which names the keys that sign its requests.
	DefaultTeamsOpenIDMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	// DefaultTeamsTokenURLFormat is the tenant's token endpoint, with %s
	// for TEAMS_TENANT_ID.
	DefaultTeamsTokenURLFormat = "https://login.microsoftonline.com/%s/oauth2/v2.0/token"

	// DefaultHTTPAddr is where the health checks, the metrics and the
	// admin pages are served: this machine only, unless set otherwise.
	DefaultHTTPAddr = "127.0.0.1:8080"
)

// Config is Rapport's configuration.
type Config struct {
	SlackAppToken string // xapp-..., for Socket Mode
	SlackBotToken string // xoxb-..., for the Web API
	SlackAPIURL   string // ends in "/"

	// TeamsAppID is the bot's Microsoft App ID (the app registration's
	// Application (client) ID).
	TeamsAppID string
	// TeamsAppPassword is the app registration's client secret.
	TeamsAppPassword string
	// TeamsTenantID is the Microsoft Entra tenant the bot serves (a GUID,
	// in lower case): a single-tenant app registration.
	TeamsTenantID string
	// TeamsAddr is where the Teams adapter listens (host:port).
	TeamsAddr string
	// TeamsOpenIDMetadataURL names the keys that sign the Bot Framework's
	// requests.
	TeamsOpenIDMetadataURL string
	// TeamsTokenURL is where the bot gets its tokens for the Bot
	// Connector (the tenant's endpoint unless overridden; empty without a
	// tenant).
	TeamsTokenURL string

	// PublicURL is where people reach Rapport from outside (for download
	// links), without a trailing slash; empty when unset.
	PublicURL string
	// HTTPAddr is where /healthz, /readyz, /metrics and the admin pages
	// are served (RAPPORT_HTTP_ADDR).
	HTTPAddr string

	DatabaseURL string // empty: the embedded SQLite file in DataDir
	DataDir     string

	Location *time.Location
	Schedule string // cron spec, in Location
	// AnnounceChannel is the Slack channel ID where meetups are announced.
	AnnounceChannel string

	// FollowUpAfter is how long after an intro "did you meet?" is asked.
	FollowUpAfter time.Duration
	// RepeatWindow is how many rounds must pass before a pair can meet again.
	RepeatWindow int
	// AskLimit is how many intro requests a member may send through the
	// directory in any 7 days.
	AskLimit int
	// ClaimTimeout is how long a message claimed by a replica that stopped
	// waits before another replica sends it.
	ClaimTimeout time.Duration
	// Retention is how long intro history is kept (RAPPORT_RETENTION).
	Retention Retention
	// UnreachableFor is how long a member stays unreachable before they
	// are erased (UnreachableErasure).
	UnreachableFor time.Duration
	// OpenPerMinute is the pace of conversations.open (Slack's tier 3: 50).
	OpenPerMinute float64
	// Admins are the network admins as RAPPORT_ADMINS lists them: Slack
	// user IDs as given, Entra object IDs and user principal names in
	// lower case.
	Admins   []string
	LogLevel slog.Level
}

// AdminURL is where the admin pages are reached, for sign-in links:
// RAPPORT_PUBLIC_URL when it is set, otherwise the HTTP listener's own
// address on this machine.
func (c Config) AdminURL() string {
	if c.PublicURL != "" {
		return c.PublicURL
	}
	host, port, err := net.SplitHostPort(c.HTTPAddr)
	if err != nil {
		return ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// SlackEnabled reports whether Slack is set up: both of its tokens are
// set.
func (c Config) SlackEnabled() bool { return c.SlackAppToken != "" && c.SlackBotToken != "" }

// TeamsEnabled reports whether Microsoft Teams is set up: the app ID, its
// password and the tenant are set.
func (c Config) TeamsEnabled() bool {
	return c.TeamsAppID != "" && c.TeamsAppPassword != "" && c.TeamsTenantID != ""
}

// IsAdmin reports whether the Slack user ID is one of the network admins.
func (c Config) IsAdmin(userID string) bool {
	return validUserID(userID) && slices.Contains(c.Admins, userID)
}

// IsTeamsAdmin reports whether a Teams user, by their Entra object ID
// (the activity's from.aadObjectId) or their user principal name, is one
// of the network admins. Both compare without regard to case; an empty
// one matches nothing.
func (c Config) IsTeamsAdmin(objectID, upn string) bool {
	for _, a := range c.Admins {
		switch {
		case objectID != "" && isGUID(a) && strings.EqualFold(a, objectID):
			return true
		case upn != "" && strings.Contains(a, "@") && strings.EqualFold(a, upn):
			return true
		}
	}
	return false
}

// Load reads the configuration through getenv (os.Getenv in production).
// Secrets may come from a file named by the variable with a _FILE suffix.
// A chat platform is only required when requirePlatform is true (serve):
// then Slack, Teams or both must be set up whole. Commands such as
// "migrate" run without one. All problems are reported together.
func Load(getenv func(string) string, requirePlatform bool) (Config, error) {
	var errs []error
	c := Config{
		SlackAPIURL: orDefault(getenv("SLACK_API_URL"), DefaultSlackAPIURL),
		DataDir:     orDefault(getenv("RAPPORT_DATA_DIR"), DefaultDataDir),
		Schedule:    orDefault(getenv("RAPPORT_SCHEDULE"), DefaultSchedule),

		AnnounceChannel: strings.TrimSpace(getenv("RAPPORT_ANNOUNCE_CHANNEL")),
	}

	secret := func(name string) string {
		v, err := readSecret(getenv, name)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	c.SlackAppToken = secret("SLACK_APP_TOKEN")
	c.SlackBotToken = secret("SLACK_BOT_TOKEN")
	c.DatabaseURL = secret("DATABASE_URL")
	c.TeamsAppPassword = secret("TEAMS_APP_PASSWORD")
	c.TeamsAppID = strings.TrimSpace(getenv("TEAMS_APP_ID"))
	c.TeamsTenantID = strings.ToLower(strings.TrimSpace(getenv("TEAMS_TENANT_ID")))

	errs = append(errs, loadTeams(getenv, &c)...)
	if requirePlatform {
		errs = append(errs, checkPlatforms(c)...)
	}
	if v := strings.TrimSpace(getenv("RAPPORT_PUBLIC_URL")); v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			errs = append(errs, errors.New("RAPPORT_PUBLIC_URL must be the address people reach Rapport at, an http(s) URL with no query, such as https://rapport.example.nhs.uk"))
		} else {
			c.PublicURL = strings.TrimRight(v, "/")
		}
	}

	c.HTTPAddr = orDefault(getenv("RAPPORT_HTTP_ADDR"), DefaultHTTPAddr)
	if host, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || strings.Contains(host, " ") || !validPort(port) {
		errs = append(errs, fmt.Errorf("RAPPORT_HTTP_ADDR %q must be host:port or :port to listen on, such as %s", c.HTTPAddr, DefaultHTTPAddr))
	}

	if u, err := url.Parse(c.SlackAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("SLACK_API_URL must be an http(s) URL such as %s", DefaultSlackAPIURL))
	} else if !strings.HasSuffix(c.SlackAPIURL, "/") {
		c.SlackAPIURL += "/"
	}

	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") &&
		!strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "file:") {
		errs = append(errs, errors.New("DATABASE_URL must start with postgres:// (or postgresql://) for PostgreSQL, or sqlite:PATH for a SQLite file; leave it unset to use the embedded SQLite database in RAPPORT_DATA_DIR"))
	}

	tz := orDefault(getenv("RAPPORT_TIMEZONE"), DefaultTimezone)
	loc, err := time.LoadLocation(tz)
	if err != nil {
		errs = append(errs, fmt.Errorf("RAPPORT_TIMEZONE %q is not a time zone name; use an IANA name such as Europe/London", tz))
		loc = time.UTC
	}
	c.Location = loc

	if err := CheckSchedule(c.Schedule, loc); err != nil {
		errs = append(errs, fmt.Errorf("RAPPORT_SCHEDULE: %w", err))
	}

	c.FollowUpAfter = duration(getenv, "RAPPORT_FOLLOW_UP_AFTER", 72*time.Hour, time.Second, &errs)
	c.ClaimTimeout = duration(getenv, "RAPPORT_CLAIM_TIMEOUT", 5*time.Minute, time.Second, &errs)
	c.RepeatWindow = 12
	c.AskLimit = 3
	c.Retention, c.UnreachableFor = DefaultRetention, UnreachableErasure
	if v := strings.TrimSpace(getenv("RAPPORT_RETENTION")); v != "" {
		if r, err := ParseRetention(v); err != nil {
			errs = append(errs, err)
		} else {
			c.Retention = r
		}
	}
	c.OpenPerMinute = 50
	if v := strings.TrimSpace(getenv("RAPPORT_SLACK_OPEN_PER_MINUTE")); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("RAPPORT_SLACK_OPEN_PER_MINUTE %q must be a number of calls a minute, at least 1 (Slack allows 50)", v))
		} else {
			c.OpenPerMinute = n
		}
	}
	if v := strings.TrimSpace(getenv("RAPPORT_REPEAT_WINDOW")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 520 {
			errs = append(errs, fmt.Errorf("RAPPORT_REPEAT_WINDOW %q must be a whole number of rounds from 1 to 520, such as 12", v))
		} else {
			c.RepeatWindow = n
		}
	}
	if v := strings.TrimSpace(getenv("RAPPORT_ASK_LIMIT")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			errs = append(errs, fmt.Errorf("RAPPORT_ASK_LIMIT %q must be a whole number of intro requests a member may send in 7 days, from 1 to 100, such as 3", v))
		} else {
			c.AskLimit = n
		}
	}

	if c.AnnounceChannel != "" && !validChannelID(c.AnnounceChannel) {
		errs = append(errs, fmt.Errorf("RAPPORT_ANNOUNCE_CHANNEL %q is not a Slack channel ID; use the ID from the channel's details (it starts with C, like C0123ABCD), not its name", c.AnnounceChannel))
	}

	for _, a := range strings.FieldsFunc(getenv("RAPPORT_ADMINS"), func(r rune) bool { return r == ',' || r == ' ' }) {
		switch {
		case validUserID(a):
			c.Admins = append(c.Admins, a)
		case isGUID(a), validUPN(a):
			c.Admins = append(c.Admins, strings.ToLower(a))
		default:
			errs = append(errs, fmt.Errorf("RAPPORT_ADMINS: %q is not a Slack user ID, a Microsoft Entra object ID or a user principal name; "+
				"list admins separated by commas, each as a Slack member ID such as U0123ABCD (a profile's \"Copy member ID\"), "+
				"an object ID such as 6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c (the user's Object ID in Microsoft Entra) "+
				"or a sign-in name such as ann.smith@nhs.net", a))
		}
	}

	switch lvl := strings.ToLower(getenv("RAPPORT_LOG_LEVEL")); lvl {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		errs = append(errs, fmt.Errorf("RAPPORT_LOG_LEVEL %q is not a level; use debug, info, warn or error", lvl))
	}

	return c, errors.Join(errs...)
}

// CheckSchedule parses a cron spec (five fields) and refuses one that would
// fire, in loc, at a time its clocks skip (the round would be missed) or
// repeat (it could run twice) at a clock change in the coming years. Only
// the hours that loc's own changes touch are refused: none in UTC, 01:00 to
// 02:00 in Europe/London.
func CheckSchedule(spec string, loc *time.Location) error {
	return checkSchedule(spec, loc, time.Now())
}

// clockChangeYears is how far ahead CheckSchedule looks at clock changes:
// far enough for any weekday and date to meet one.
const clockChangeYears = 12

func checkSchedule(spec string, loc *time.Location, now time.Time) error {
	if _, err := cron.ParseStandard(spec); err != nil {
		return fmt.Errorf("%q is not a cron schedule (%v); use five fields, for example %q for Monday 09:00", spec, err, DefaultSchedule)
	}
	// A CRON_TZ= prefix puts the schedule in a zone of its own.
	fields := spec
	for _, prefix := range []string{"CRON_TZ=", "TZ="} {
		if rest, ok := strings.CutPrefix(spec, prefix); ok {
			name, f, _ := strings.Cut(rest, " ")
			if l, err := time.LoadLocation(name); err == nil {
				loc = l
			}
			fields = strings.TrimSpace(f)
		}
	}
	// Read in UTC, the schedule fires at wall-clock times: the times the
	// people of loc read on their clocks, which may not exist there.
	wall, err := cron.ParseStandard(fields)
	if err != nil {
		return fmt.Errorf("%q is not a cron schedule (%v); use five fields, for example %q for Monday 09:00", spec, err, DefaultSchedule)
	}
	from := time.Date(now.In(loc).Year(), 1, 1, 0, 0, 0, 0, loc)
	changes := clockChanges(loc, from, from.AddDate(clockChangeYears, 0, 0))
	for _, c := range changes {
		at := wall.Next(c.start.Add(-time.Second))
		if at.IsZero() || !at.Before(c.end) {
			continue
		}
		what := "go forward and " + c.hours() + " does not happen, so that round would be missed"
		if !c.forward {
			what = "go back and " + c.hours() + " happens twice, so that round could run twice"
		}
		return fmt.Errorf("%q runs at %s on %s, when the clocks in %s %s. Choose a time outside %s, such as 09:00",
			spec, at.Format("15:04"), at.Format("Monday 2 January 2006"), loc, what, changeHours(changes))
	}
	return nil
}

// clockChange is a span of wall-clock time that a zone's clocks skip
// (forward) or go through twice.
type clockChange struct {
	start, end time.Time // wall-clock times, read in UTC
	forward    bool
}

func (c clockChange) hours() string {
	return c.start.Format("15:04") + " to " + c.end.Format("15:04")
}

// clockChanges lists loc's clock changes between from and until.
func clockChanges(loc *time.Location, from, until time.Time) []clockChange {
	var out []clockChange
	for t := from; t.Before(until); {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(until) {
			break
		}
		_, before := t.Zone()
		_, after := end.Zone()
		// Just before the change the clocks read end at the old offset,
		// and just after it at the new one.
		was := end.UTC().Add(time.Duration(before) * time.Second)
		is := end.UTC().Add(time.Duration(after) * time.Second)
		switch {
		case after > before:
			out = append(out, clockChange{start: was, end: is, forward: true})
		case after < before:
			out = append(out, clockChange{start: is, end: was})
		}
		t = end
	}
	return out
}

// changeHours names the spans of the day that the changes touch, joining
// spans that meet: "01:00 to 02:00", or "01:00 to 03:00" where the clocks
// skip one hour and repeat the one before it.
func changeHours(changes []clockChange) string {
	type span struct{ start, end string }
	var spans []span
	for _, c := range changes {
		s := span{c.start.Format("15:04"), c.end.Format("15:04")}
		if !slices.Contains(spans, s) {
			spans = append(spans, s)
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return strings.Compare(a.start, b.start) })
	var out []string
	for i := 0; i < len(spans); i++ {
		s := spans[i]
		for i+1 < len(spans) && spans[i+1].start <= s.end {
			s.end = max(s.end, spans[i+1].end)
			i++
		}
		out = append(out, s.start+" to "+s.end)
	}
	return strings.Join(out, " and ")
}

// NextRun returns the first time after t that the schedule fires. The spec
// must have passed CheckSchedule.
func NextRun(spec string, loc *time.Location, t time.Time) time.Time {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return time.Time{}
	}
	return sched.Next(t.In(loc))
}

func readSecret(getenv func(string) string, name string) (string, error) {
	v := getenv(name)
	file := getenv(name + "_FILE")
	if v != "" && file != "" {
		return "", fmt.Errorf("both %s and %s_FILE are set; set only one", name, name)
	}
	if file == "" {
		return strings.TrimSpace(v), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: cannot read the file it names (%v); check the path and that Rapport may read it", name, errors.Unwrap(err))
	}
	return strings.TrimSpace(string(b)), nil
}

// Descriptions of the settings, for the messages that ask for them.
const (
	slackAppTokenIs = "the app-level token (Basic Information > App-Level Tokens, with the connections:write scope)"
	slackBotTokenIs = "the bot token (OAuth & Permissions > Bot User OAuth Token)"
	teamsAppIDIs    = "the bot's Microsoft App ID (the app registration's Application (client) ID, on its Overview page)"
	teamsPasswordIs = "a client secret of the app registration (Certificates & secrets > New client secret; its Value, not its ID)"
	teamsTenantIs   = "your Microsoft Entra tenant ID (the Directory (tenant) ID on the app registration's Overview page)"
)

// loadTeams reads the Teams settings that have defaults or a format,
// which are checked whenever they are set.
func loadTeams(getenv func(string) string, c *Config) []error {
	var errs []error
	if c.TeamsTenantID != "" && !isGUID(c.TeamsTenantID) {
		errs = append(errs, fmt.Errorf("TEAMS_TENANT_ID %q must be %s, a GUID such as 3f5c1a2b-9d4e-4b7a-8c6d-1e2f3a4b5c6d", c.TeamsTenantID, teamsTenantIs))
	}
	c.TeamsAddr = orDefault(getenv("RAPPORT_TEAMS_ADDR"), DefaultTeamsAddr)
	if host, port, err := net.SplitHostPort(c.TeamsAddr); err != nil || strings.Contains(host, " ") || !validPort(port) {
		errs = append(errs, fmt.Errorf("RAPPORT_TEAMS_ADDR %q must be host:port or :port to listen on, such as %s", c.TeamsAddr, DefaultTeamsAddr))
	}
	c.TeamsOpenIDMetadataURL = orDefault(getenv("TEAMS_OPENID_METADATA_URL"), DefaultTeamsOpenIDMetadataURL)
	if err := checkSecureURL("TEAMS_OPENID_METADATA_URL", c.TeamsOpenIDMetadataURL, DefaultTeamsOpenIDMetadataURL); err != nil {
		errs = append(errs, err)
	}
	if v := strings.TrimSpace(getenv("TEAMS_TOKEN_URL")); v != "" {
		c.TeamsTokenURL = v
		if err := checkSecureURL("TEAMS_TOKEN_URL", v, fmt.Sprintf(DefaultTeamsTokenURLFormat, "TENANT")); err != nil {
			errs = append(errs, err)
		}
	} else if c.TeamsTenantID != "" && isGUID(c.TeamsTenantID) {
		c.TeamsTokenURL = fmt.Sprintf(DefaultTeamsTokenURLFormat, c.TeamsTenantID)
	}
	return errs
}

// checkPlatforms asks for the settings that serve needs: every setting of
// each platform begun, and at least one platform.
func checkPlatforms(c Config) []error {
	slack := c.SlackAppToken != "" || c.SlackBotToken != ""
	teams := c.TeamsAppID != "" || c.TeamsAppPassword != "" || c.TeamsTenantID != ""
	if !slack && !teams {
		return []error{errors.New("no chat platform is set up, so there is nothing to serve. " +
			"Set up Slack, Microsoft Teams or both (README.md walks through each). " +
			"For Slack, set SLACK_APP_TOKEN to " + slackAppTokenIs + ", and SLACK_BOT_TOKEN to " + slackBotTokenIs + ". " +
			"For Teams, set TEAMS_APP_ID to " + teamsAppIDIs + "; TEAMS_APP_PASSWORD or TEAMS_APP_PASSWORD_FILE to " + teamsPasswordIs + "; " +
			"and TEAMS_TENANT_ID to " + teamsTenantIs + ".")}
	}
	var errs []error
	if slack {
		for _, t := range []struct{ name, value, prefix, what string }{
			{"SLACK_APP_TOKEN", c.SlackAppToken, "xapp-", slackAppTokenIs},
			{"SLACK_BOT_TOKEN", c.SlackBotToken, "xoxb-", slackBotTokenIs},
		} {
			err := checkToken(t.name, t.value, t.prefix, t.what)
			if err != nil && t.value == "" {
				err = fmt.Errorf("Slack is only partly set up: %w; or unset the other SLACK_ token to run without Slack", err)
			}
			errs = append(errs, err)
		}
	}
	if teams {
		for _, s := range []struct{ name, value, what string }{
			{"TEAMS_APP_ID", c.TeamsAppID, teamsAppIDIs},
			{"TEAMS_APP_PASSWORD", c.TeamsAppPassword, teamsPasswordIs},
			{"TEAMS_TENANT_ID", c.TeamsTenantID, teamsTenantIs},
		} {
			if s.value != "" {
				continue
			}
			also := ""
			if s.name == "TEAMS_APP_PASSWORD" {
				also = " (or TEAMS_APP_PASSWORD_FILE)"
			}
			errs = append(errs, fmt.Errorf("Teams is only partly set up: %s is not set; set it%s to %s, or unset the other TEAMS_ settings to run without Teams", s.name, also, s.what))
		}
	}
	return errs
}

// checkSecureURL refuses a URL that is not https, but for http to this
// machine (a test's stand-in): what comes from it is trusted, or what
// goes to it is secret.
func checkSecureURL(name, v, example string) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%s must be an https URL such as %s", name, example)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return fmt.Errorf("%s must use https (plain http is allowed only to this machine, for tests), such as %s", name, example)
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 65535
}

// isGUID reports whether s is a GUID as Microsoft Entra writes its IDs:
// 8-4-4-4-12 hexadecimal digits, in either case.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// validUPN reports whether s looks like a user principal name: a name,
// one @, and a domain with a dot.
func validUPN(s string) bool {
	name, domain, ok := strings.Cut(s, "@")
	return ok && name != "" && strings.Contains(domain, ".") && !strings.ContainsAny(domain, "@") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") && !strings.ContainsAny(s, " <>\"\t")
}

func checkToken(name, v, prefix, what string) error {
	switch {
	case v == "":
		return fmt.Errorf("%s is not set: set it (or %s_FILE) to %s, which starts with %q", name, name, what, prefix)
	case !strings.HasPrefix(v, prefix):
		return fmt.Errorf("%s does not start with %q: it should hold %s", name, prefix, what)
	}
	return nil
}

func validChannelID(s string) bool {
	return len(s) >= 2 && (s[0] == 'C' || s[0] == 'G') && upperAlnum(s)
}

func validUserID(s string) bool {
	return len(s) >= 2 && (s[0] == 'U' || s[0] == 'W') && upperAlnum(s)
}

func upperAlnum(s string) bool {
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// duration reads a Go duration ("72h", "30m") of at least least.
func duration(getenv func(string) string, name string, def, least time.Duration, errs *[]error) time.Duration {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < least {
		*errs = append(*errs, fmt.Errorf("%s %q must be a duration of at least %s, such as %s", name, v, least, def))
		return def
	}
	return d
}

func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}
