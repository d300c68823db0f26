package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// teamsEnv is Teams set up whole, and nothing else.
func teamsEnv(extra ...string) map[string]string {
	m := map[string]string{
		"TEAMS_APP_ID":       "0a1b2c3d-1111-4222-8333-444455556666",
		"TEAMS_APP_PASSWORD": "s3cr3t-Pa55word",
		"TEAMS_TENANT_ID":    "3F5C1A2B-9D4E-4B7A-8C6D-1E2F3A4B5C6D",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// Teams alone is enough to serve, with its defaults filled in.
func TestTeamsAlone(t *testing.T) {
	c, err := Load(env(teamsEnv()), true)
	if err != nil {
		t.Fatal(err)
	}
	if !c.TeamsEnabled() || c.SlackEnabled() {
		t.Errorf("Teams enabled %v, Slack enabled %v; want Teams only", c.TeamsEnabled(), c.SlackEnabled())
	}
	const tenant = "3f5c1a2b-9d4e-4b7a-8c6d-1e2f3a4b5c6d"
	if c.TeamsTenantID != tenant {
		t.Errorf("tenant = %q, want it in lower case", c.TeamsTenantID)
	}
	if c.TeamsAddr != ":3978" || c.TeamsOpenIDMetadataURL != "https://login.botframework.com/v1/.well-known/openidconfiguration" ||
		c.TeamsTokenURL != "https://login.microsoftonline.com/"+tenant+"/oauth2/v2.0/token" || c.PublicURL != "" {
		t.Errorf("defaults: addr %q, metadata %q, token %q, public %q", c.TeamsAddr, c.TeamsOpenIDMetadataURL, c.TeamsTokenURL, c.PublicURL)
	}
}

// Slack and Teams can both be set up; the password can come from a file,
// trimmed; every Teams address can be overridden, with plain http only to
// this machine.
func TestTeamsSettings(t *testing.T) {
	file := filepath.Join(t.TempDir(), "teams-password")
	if err := os.WriteFile(file, []byte("  from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := teamsEnv("SLACK_APP_TOKEN", "xapp-1", "SLACK_BOT_TOKEN", "xoxb-1", "TEAMS_APP_PASSWORD_FILE", file,
		"RAPPORT_TEAMS_ADDR", "127.0.0.1:0", "TEAMS_OPENID_METADATA_URL", "http://127.0.0.1:8081/metadata",
		"TEAMS_TOKEN_URL", "http://localhost:8082/token", "RAPPORT_PUBLIC_URL", "https://rapport.example.nhs.uk/")
	delete(e, "TEAMS_APP_PASSWORD")
	c, err := Load(env(e), true)
	if err != nil {
		t.Fatal(err)
	}
	if !c.TeamsEnabled() || !c.SlackEnabled() {
		t.Errorf("Teams enabled %v, Slack enabled %v; want both", c.TeamsEnabled(), c.SlackEnabled())
	}
	if c.TeamsAppPassword != "from-a-file" {
		t.Errorf("password from file = %q", c.TeamsAppPassword)
	}
	if c.TeamsAddr != "127.0.0.1:0" || c.TeamsOpenIDMetadataURL != "http://127.0.0.1:8081/metadata" ||
		c.TeamsTokenURL != "http://localhost:8082/token" || c.PublicURL != "https://rapport.example.nhs.uk" {
		t.Errorf("overrides: addr %q, metadata %q, token %q, public %q", c.TeamsAddr, c.TeamsOpenIDMetadataURL, c.TeamsTokenURL, c.PublicURL)
	}
}

// Each Teams mistake is refused with what to set, all of them at once,
// and the password is never quoted.
func TestTeamsRefusals(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-file")
	tests := []struct {
		name  string
		env   map[string]string
		unset []string
		want  []string
	}{
		{"no tenant", teamsEnv(), []string{"TEAMS_TENANT_ID"}, []string{"Teams is only partly set up: TEAMS_TENANT_ID is not set", "Directory (tenant) ID"}},
		{"no password", teamsEnv(), []string{"TEAMS_APP_PASSWORD"}, []string{"TEAMS_APP_PASSWORD is not set", "TEAMS_APP_PASSWORD_FILE", "client secret"}},
		{"no app ID", teamsEnv(), []string{"TEAMS_APP_ID"}, []string{"TEAMS_APP_ID is not set", "Application (client) ID"}},
		{"tenant only", teamsEnv(), []string{"TEAMS_APP_ID", "TEAMS_APP_PASSWORD"}, []string{"TEAMS_APP_ID is not set", "TEAMS_APP_PASSWORD is not set"}},
		{"half Slack beside Teams", teamsEnv("SLACK_BOT_TOKEN", "xoxb-1"), nil, []string{"Slack is only partly set up: SLACK_APP_TOKEN is not set"}},
		{"password and file", teamsEnv("TEAMS_APP_PASSWORD_FILE", "/run/secrets/teams"), nil, []string{"both TEAMS_APP_PASSWORD and TEAMS_APP_PASSWORD_FILE"}},
		{"password file missing", teamsEnv("TEAMS_APP_PASSWORD_FILE", missing), []string{"TEAMS_APP_PASSWORD"}, []string{"TEAMS_APP_PASSWORD_FILE: cannot read"}},
		{"tenant a domain", teamsEnv("TEAMS_TENANT_ID", "contoso.onmicrosoft.com"), nil, []string{`TEAMS_TENANT_ID "contoso.onmicrosoft.com" must be`, "GUID"}},
		{"tenant too short", teamsEnv("TEAMS_TENANT_ID", "3f5c1a2b-9d4e-4b7a-8c6d-1e2f3a4b5c6"), nil, []string{"TEAMS_TENANT_ID", "GUID"}},
		{"tenant not hex", teamsEnv("TEAMS_TENANT_ID", "3f5c1a2b-9d4e-4b7a-8c6d-1e2f3a4b5c6z"), nil, []string{"TEAMS_TENANT_ID", "GUID"}},
		{"addr without port", teamsEnv("RAPPORT_TEAMS_ADDR", "3978"), nil, []string{`RAPPORT_TEAMS_ADDR "3978" must be host:port`}},
		{"addr port too big", teamsEnv("RAPPORT_TEAMS_ADDR", ":99999"), nil, []string{"RAPPORT_TEAMS_ADDR"}},
		{"metadata over http", teamsEnv("TEAMS_OPENID_METADATA_URL", "http://login.botframework.com/v1/.well-known/openidconfiguration"), nil, []string{"TEAMS_OPENID_METADATA_URL must use https"}},
		{"metadata not a URL", teamsEnv("TEAMS_OPENID_METADATA_URL", "login.botframework.com"), nil, []string{"TEAMS_OPENID_METADATA_URL must be an https URL"}},
		{"token URL over http", teamsEnv("TEAMS_TOKEN_URL", "http://login.example.com/token"), nil, []string{"TEAMS_TOKEN_URL must use https"}},
		{"token URL ftp", teamsEnv("TEAMS_TOKEN_URL", "ftp://login.example.com/token"), nil, []string{"TEAMS_TOKEN_URL must be an https URL"}},
		{"public URL relative", teamsEnv("RAPPORT_PUBLIC_URL", "/rapport"), nil, []string{"RAPPORT_PUBLIC_URL must be"}},
		{"public URL with query", teamsEnv("RAPPORT_PUBLIC_URL", "https://rapport.example.nhs.uk/?x=1"), nil, []string{"RAPPORT_PUBLIC_URL", "no query"}},
		{"public URL ftp", teamsEnv("RAPPORT_PUBLIC_URL", "ftp://rapport.example.nhs.uk"), nil, []string{"RAPPORT_PUBLIC_URL"}},
		{"public URL with a fragment", teamsEnv("RAPPORT_PUBLIC_URL", "https://rapport.example.nhs.uk/#top"), nil, []string{"RAPPORT_PUBLIC_URL"}},
		{"every problem at once", teamsEnv("TEAMS_TENANT_ID", "tenant", "RAPPORT_TEAMS_ADDR", "nowhere", "RAPPORT_PUBLIC_URL", "rapport"), nil,
			[]string{"TEAMS_TENANT_ID", "RAPPORT_TEAMS_ADDR", "RAPPORT_PUBLIC_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range tt.unset {
				delete(tt.env, k)
			}
			_, err := Load(env(tt.env), true)
			if err == nil {
				t.Fatal("accepted, want it refused")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("the error quotes the password: %q", err)
			}
		})
	}
}

// Commands that serve nothing need no platform, but a Teams setting in
// the wrong format is still a mistake worth saying.
func TestTeamsOptionalWithoutServe(t *testing.T) {
	if _, err := Load(env(map[string]string{"TEAMS_APP_ID": "0a1b2c3d-1111-4222-8333-444455556666"}), false); err != nil {
		t.Errorf("an app ID alone, not serving: %v", err)
	}
	if _, err := Load(env(map[string]string{"TEAMS_TENANT_ID": "contoso"}), false); err == nil || !strings.Contains(err.Error(), "TEAMS_TENANT_ID") {
		t.Errorf("a malformed tenant, not serving: %v; want it refused", err)
	}
}

// RAPPORT_ADMINS lists Slack users by ID and Teams users by object ID or
// principal name, the Teams ones in any case.
func TestAdminsOnBothPlatforms(t *testing.T) {
	c, err := Load(env(teamsEnv("RAPPORT_ADMINS", "U0ADMIN01, 6F1C2A3B-0D4E-4F5A-8B6C-7D8E9F0A1B2C,Ann.Smith@NHS.net")), true)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		objectID, up string
		want         bool
	}{
		{"object ID", "6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c", "", true},
		{"object ID in upper case", "6F1C2A3B-0D4E-4F5A-8B6C-7D8E9F0A1B2C", "someone@nhs.net", true},
		{"UPN", "00000000-0000-4000-8000-000000000000", "ann.smith@nhs.net", true},
		{"UPN in other case", "", "ANN.SMITH@nhs.NET", true},
		{"someone else", "00000000-0000-4000-8000-000000000000", "bob.jones@nhs.net", false},
		{"nothing", "", "", false},
		{"a UPN given as an object ID", "ann.smith@nhs.net", "", false},
		{"an object ID given as a UPN", "", "6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c", false},
		{"a Slack ID given as an object ID", "U0ADMIN01", "U0ADMIN01", false},
	}
	for _, tt := range tests {
		if got := c.IsTeamsAdmin(tt.objectID, tt.up); got != tt.want {
			t.Errorf("%s: IsTeamsAdmin(%q, %q) = %v, want %v", tt.name, tt.objectID, tt.up, got, tt.want)
		}
	}
	if !c.IsAdmin("U0ADMIN01") || c.IsAdmin("U0OTHER01") || c.IsAdmin("") {
		t.Errorf("Slack admins wrong: %v", c.Admins)
	}
	if c.IsAdmin("ann.smith@nhs.net") || c.IsAdmin("6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c") {
		t.Errorf("a Teams admin counts as a Slack user ID: %v", c.Admins)
	}

	for _, bad := range []string{"@alice", "ann@", "ann@nhs", "ann smith@nhs.net", "u0admin01", "6f1c2a3b0d4e4f5a8b6c7d8e9f0a1b2c", "#admins"} {
		_, err := Load(env(teamsEnv("RAPPORT_ADMINS", bad)), true)
		if err == nil || !strings.Contains(err.Error(), "RAPPORT_ADMINS") || !strings.Contains(err.Error(), "object ID") {
			t.Errorf("RAPPORT_ADMINS=%q: %v; want a refusal that says what to list", bad, err)
		}
	}
}
