package config

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Variable is one environment variable Rapport reads, for "serve --help".
type Variable struct {
	Name    string
	Default string // "" when unset means off or not needed
	Help    string
}

// Variables are every environment variable Rapport reads, in the order
// "serve --help" lists them. A secret's NAME_FILE variant reads it from a
// file instead.
var Variables = []Variable{
	{"SLACK_APP_TOKEN", "", "Slack app-level token (xapp-…) for Socket Mode; or SLACK_APP_TOKEN_FILE"},
	{"SLACK_BOT_TOKEN", "", "Slack bot token (xoxb-…); or SLACK_BOT_TOKEN_FILE"},
	{"SLACK_API_URL", DefaultSlackAPIURL, "Slack's Web API"},
	{"RAPPORT_ANNOUNCE_CHANNEL", "", "Slack channel ID where meetups are announced"},
	{"TEAMS_APP_ID", "", "the bot's Microsoft App ID"},
	{"TEAMS_APP_PASSWORD", "", "the app registration's client secret; or TEAMS_APP_PASSWORD_FILE"},
	{"TEAMS_TENANT_ID", "", "the Microsoft Entra tenant (a GUID)"},
	{"RAPPORT_TEAMS_ADDR", DefaultTeamsAddr, "where the Teams endpoint listens (POST /api/messages)"},
	{"TEAMS_OPENID_METADATA_URL", DefaultTeamsOpenIDMetadataURL, "the Bot Framework's signing keys"},
	{"TEAMS_TOKEN_URL", fmt.Sprintf(DefaultTeamsTokenURLFormat, "TEAMS_TENANT_ID"), "where the bot gets its tokens"},
	{"RAPPORT_PUBLIC_URL", "", "the address people reach Rapport at (admin sign-in links, Teams downloads); unset: http://RAPPORT_HTTP_ADDR"},
	{"RAPPORT_HTTP_ADDR", DefaultHTTPAddr, "/healthz, /readyz, /metrics and the admin pages"},
	{"DATABASE_URL", "", "postgres://… for PostgreSQL; unset: SQLite in RAPPORT_DATA_DIR; or DATABASE_URL_FILE"},
	{"RAPPORT_DATA_DIR", DefaultDataDir, "folder of the embedded SQLite database"},
	{"RAPPORT_ADMINS", "", "network admins: Slack member IDs, Entra object IDs or sign-in addresses, comma-separated"},
	{"RAPPORT_TIMEZONE", DefaultTimezone, "the network's time zone"},
	{"RAPPORT_SCHEDULE", DefaultSchedule, "when rounds run (cron, in RAPPORT_TIMEZONE)"},
	{"RAPPORT_FOLLOW_UP_AFTER", "72h", "when \"did you meet?\" is asked after an intro"},
	{"RAPPORT_REPEAT_WINDOW", "12", "rounds before a pair can be introduced again"},
	{"RAPPORT_ASK_LIMIT", "3", "intro requests a member may send through the directory in any 7 days"},
	{"RAPPORT_RETENTION", DefaultRetention.String(), "how long introduction history is kept"},
	{"RAPPORT_CLAIM_TIMEOUT", "5m", "how long a message claimed by a stopped replica waits before another sends it"},
	{"RAPPORT_SLACK_OPEN_PER_MINUTE", "50", "pace of Slack's conversations.open"},
	{"RAPPORT_LOG_LEVEL", "info", "debug, info, warn or error"},
}

// PrintVariables writes the variables as a table.
func PrintVariables(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  VARIABLE\tDEFAULT\tWHAT IT IS")
	for _, v := range Variables {
		def := v.Default
		if def == "" {
			def = "(unset)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", v.Name, def, v.Help)
	}
	tw.Flush()
}
