package storage_test

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
)

// exportedColumns says, for each column of every table that refers to a
// member, where the member's export shows it: the JSON path of a field
// (arrays flattened), or "internal: why" for the few columns that are the
// database's own bookkeeping rather than something about the member.
var exportedColumns = map[string]map[string]string{
	"members": {
		"id": "member.id", "platform": "member.platform", "user_id": "member.user_id", "name": "member.name",
		"organisation": "member.profile.organisation", "sector": "member.profile.sector", "role": "member.profile.role",
		"career_stage": "member.profile.career_stage", "interests": "member.profile.interests",
		"offers": "member.profile.offers", "asks": "member.profile.asks", "frequency": "member.profile.frequency",
		"mentoring": "member.profile.mentoring", "meeting": "member.profile.meeting", "bio": "member.profile.bio",
		"status": "member.status", "paused": "member.paused", "paused_until": "member.paused_until",
		"joined_at": "member.joined_at", "updated_at": "member.updated_at",
		"first_name":      "member.first_name",
		"organisation_id": "internal: links the member to their organisation, whose name is member.profile.organisation",
		"listed":          "member.profile.listed_in_directory",
		"folded_name":     "internal: member.name folded, which the directory orders by",
		"folded_version":  "internal: the folding rules the member's directory rows were written with",
	},
	"member_topics": {
		"member_id": "internal: the member themselves",
		"kind":      "internal: whether the topic is one of member.profile.offers or member.profile.asks",
		"position":  "internal: the topic's place in member.profile.offers or member.profile.asks",
		"topic":     "member.profile.offers",
		"folded":    "internal: the topic folded, as searches compare it",
	},
	"directory_words": {
		"word":      "internal: a word of one of member.profile.offers, folded, which a search looks up",
		"member_id": "internal: the member themselves",
		"position":  "internal: which of member.profile.offers the word is in",
		"folded":    "internal: that offer, folded, which tells an exact match",
	},
	"directory_members": {
		"member_id":       "internal: the member themselves",
		"organisation_id": "internal: a copy of members.organisation_id, for searches",
		"name":            "internal: a copy of member.name, for searches",
		"folded_name":     "internal: a copy of members.folded_name, for searches",
		"status":          "internal: a copy of member.status, for searches",
		"paused":          "internal: a copy of member.paused, for searches",
		"paused_until":    "internal: a copy of member.paused_until, for searches",
	},
	"intro_requests": {
		"id":          "internal: a row number",
		"asker_id":    "intro_requests.direction",
		"asked_id":    "intro_requests.with",
		"topic":       "intro_requests.topic",
		"status":      "intro_requests.status",
		"created_at":  "intro_requests.date",
		"answered_at": "intro_requests.answered_at",
		"intro_id":    "internal: the intro an accepted request made, which introductions shows",
	},
	"invitations": {
		"platform":   "internal: the member's platform, as member.platform",
		"user_id":    "internal: the member themselves, as member.user_id",
		"invited_at": "internal: that the bot invited them personally before they joined, so it never does again; kept no longer than the history",
	},
	"intros": {
		"id":          "internal: a row number; the intro is the record itself",
		"round_id":    "introductions.round",
		"explanation": "introductions.why_we_introduced_you",
		"question":    "introductions.first_question",
		"starter_id":  "introductions.asked_to_start",
		"score":       "introductions.match_score",
		"relaxed":     "introductions.repeat_allowed",
		"status":      "introductions.status",
		"channel_id":  "introductions.conversation_id",
		"message_ts":  "introductions.message_id",
		"created_at":  "introductions.date",
		"position":    "internal: the order intros were written in, within their round",
		"requested":   "internal: the intro came from a request, which intro_requests shows",
	},
	"intro_members": {
		"intro_id":        "internal: links the member to the intro, which is exported whole",
		"member_id":       "introductions.with",
		"position":        "internal: the order names are shown in",
		"answer":          "introductions.your_answer",
		"answered_at":     "introductions.answered_at",
		"unreachable":     "introductions.could_not_reach_you",
		"organisation_id": "internal: the organisation the member was in when introduced, counted on the network map; theirs now is member.profile.organisation",
	},
	"round_left_out": {
		"round_id":  "left_out_of_rounds.round",
		"member_id": "internal: the member themselves",
		"reason":    "left_out_of_rounds.reason",
	},
	"blocks": {
		"member_id":  "internal: the member themselves",
		"blocked_id": "not_a_good_match.name",
		"created_at": "not_a_good_match.since",
	},
	"outbox": {
		"id":         "internal: a row number",
		"kind":       "messages_to_you.kind",
		"intro_id":   "internal: links a message to its intro, which is exported",
		"member_id":  "internal: the member themselves",
		"text":       "messages_to_you.text",
		"notice":     "messages_to_you.notice",
		"params":     "messages_to_you.details",
		"status":     "messages_to_you.status",
		"due_at":     "messages_to_you.due",
		"attempts":   "internal: delivery bookkeeping (how many tries)",
		"claimed_at": "internal: delivery bookkeeping (which worker is sending)",
		"sent_at":    "messages_to_you.sent_at",
		"ref":        "messages_to_you.message_id",
		"last_error": "internal: delivery bookkeeping (the platform's last error code)",
		"created_at": "messages_to_you.created_at",
	},
	"meetups": {
		"id": "meetups.meetup_id", "host_member_id": "meetups.host", "title": "meetups.title",
		"purpose": "meetups.purpose", "starts_at": "meetups.starts_at", "ends_at": "meetups.ends_at",
		"place": "meetups.place", "link": "meetups.link", "roles": "meetups.for_roles",
		"sectors": "meetups.for_sectors", "food": "meetups.food", "capacity": "meetups.capacity",
		"rsvp_by": "meetups.rsvp_by", "status": "meetups.status",
		"version":          "internal: a change counter that orders the waiting list",
		"day_reminder_at":  "internal: derived from starts_at, when reminders go out",
		"hour_reminder_at": "internal: derived from starts_at, when reminders go out",
		"create_key":       "internal: makes a resubmitted form create nothing more",
		"cancelled_at":     "meetups.cancelled_at", "created_at": "meetups.created_at", "updated_at": "meetups.updated_at",
	},
	"meetup_rsvps": {
		"meetup_id":  "meetups.meetup_id",
		"member_id":  "internal: the member themselves",
		"status":     "meetups.rsvp",
		"seq":        "internal: a change counter that orders the waiting list",
		"status_at":  "meetups.rsvp_at",
		"created_at": "meetups.first_rsvp_at",
	},
	"accounts": {
		"platform":        "account.platform",
		"user_id":         "account.user_id",
		"object_id":       "account.directory_object_id",
		"principal_name":  "account.user_principal_name",
		"tenant_id":       "internal: the organisation's directory, the same for everyone Rapport serves",
		"service_url":     "internal: where the platform takes the bot's messages, the same for everyone in a region",
		"conversation_id": "account.conversation_id",
		"updated_at":      "account.updated_at",
	},
	"sent_copies": {
		"platform":        "internal: the member's platform, as member.platform",
		"kind":            "internal: which exported intro or message this is a copy of",
		"tag":             "internal: which exported intro or message this is a copy of",
		"user_id":         "internal: the member themselves",
		"conversation_id": "introductions.conversation_id",
		"activity_id":     "introductions.message_id",
		"sent_at":         "internal: delivery bookkeeping (when this copy went out)",
	},
	"downloads": {
		"token_hash": "internal: a hash of a one-time link's token; the token is only in the link",
		"platform":   "internal: the member themselves",
		"user_id":    "internal: the member themselves",
		"filename":   "internal: the file's name, the same for everyone",
		"body":       "internal: a copy of an export the member asked for, kept minutes for its one download",
		"created_at": "internal: when the link was made",
		"expires_at": "internal: when the link stops working",
	},
	"audit_log": {
		"id":             "internal: a row number",
		"at":             "admin_actions_about_you.date",
		"action":         "admin_actions_about_you.action",
		"actor_platform": "admin_actions_by_you",
		"actor_user_id":  "admin_actions_by_you",
		"actor_name":     "admin_actions_by_you",
		"member_id":      "admin_actions_about_you",
		"member_left":    "internal: set once the member has left, when there is nobody to export for",
		"detail":         "admin_actions_by_you.detail",
	},
	"sign_in_links": {
		"token_hash":     "internal: a hash of a one-time sign-in link's token; the token is only in the link",
		"platform":       "internal: the admin themselves, as member.platform",
		"user_id":        "internal: the admin themselves, as member.user_id",
		"object_id":      "internal: the admin's directory ID when they asked for the link, to check their rights; as account.directory_object_id",
		"principal_name": "internal: the admin's sign-in name when they asked for the link, to check their rights; as account.user_principal_name",
		"name":           "internal: the admin's name when they asked for the link, as member.name",
		"created_at":     "internal: when the link was made, kept hours",
		"expires_at":     "internal: when the link stops working",
		"used_at":        "internal: when the link was used, so a second use is refused",
	},
	"admin_sessions": {
		"id_hash":        "internal: a hash of a signed-in browser's cookie",
		"platform":       "internal: the admin themselves, as member.platform",
		"user_id":        "internal: the admin themselves, as member.user_id",
		"object_id":      "internal: the admin's directory ID, to check their rights on each page; as account.directory_object_id",
		"principal_name": "internal: the admin's sign-in name, to check their rights on each page; as account.user_principal_name",
		"name":           "internal: the admin's name as they signed in, as member.name",
		"csrf":           "internal: a random token the session's forms carry",
		"created_at":     "internal: when the admin signed in, kept while the session is in use",
		"last_seen":      "internal: when the session was last used, which ends it after 8 idle hours",
	},
	"meetup_reminders": {
		"meetup_id":  "meetups.meetup_id",
		"member_id":  "internal: the member themselves",
		"kind":       "meetups.reminders_sent.kind",
		"starts_at":  "internal: the start a reminder was for, the meetup's own",
		"claimed_at": "internal: delivery bookkeeping (which worker is sending)",
		"sent_at":    "meetups.reminders_sent.sent_at",
		"attempts":   "internal: delivery bookkeeping (how many tries)",
	},
}

// memberTables returns the tables that refer to members, those keyed by
// a platform and user ID as members are (a person's account, say), and
// members itself, with their columns, from the database's own catalogue.
func memberTables(t *testing.T, db *storage.DB) map[string][]string {
	t.Helper()
	out := memberTablesByKey(t, db)
	for name, cols := range userIDTables(t, db) {
		out[name] = cols
	}
	return out
}

// userIDTables returns the tables with both a platform and a user_id
// column, with their columns.
func userIDTables(t *testing.T, db *storage.DB) map[string][]string {
	t.Helper()
	x := db.SQLX()
	var rows []struct {
		Table  string `db:"table_name"`
		Column string `db:"column_name"`
	}
	query := `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	if db.Dialect() == storage.DialectSQLite {
		query = `SELECT m.name AS table_name, c.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) c
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	}
	if err := x.Select(&rows, query); err != nil {
		t.Fatal(err)
	}
	cols := map[string][]string{}
	for _, r := range rows {
		cols[r.Table] = append(cols[r.Table], r.Column)
	}
	out := map[string][]string{}
	for name, cs := range cols {
		if slices.Contains(cs, "platform") && slices.Contains(cs, "user_id") {
			out[name] = cs
		}
	}
	return out
}

// memberTablesByKey returns the tables that refer to members by foreign
// key, and members itself, with their columns.
func memberTablesByKey(t *testing.T, db *storage.DB) map[string][]string {
	t.Helper()
	x := db.SQLX()
	var tables []string
	out := map[string][]string{}
	if db.Dialect() == storage.DialectSQLite {
		var all []string
		if err := x.Select(&all, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`); err != nil {
			t.Fatal(err)
		}
		for _, name := range all {
			var refs []string
			if err := x.Select(&refs, `SELECT "table" FROM pragma_foreign_key_list(?)`, name); err != nil {
				t.Fatal(err)
			}
			if name == "members" || slices.Contains(refs, "members") {
				tables = append(tables, name)
			}
		}
		for _, name := range tables {
			var cols []string
			if err := x.Select(&cols, `SELECT name FROM pragma_table_info(?)`, name); err != nil {
				t.Fatal(err)
			}
			out[name] = cols
		}
		return out
	}
	const refs = `SELECT DISTINCT tc.table_name
		FROM information_schema.table_constraints tc
		JOIN information_schema.constraint_column_usage cu
			ON cu.constraint_schema = tc.constraint_schema AND cu.constraint_name = tc.constraint_name
		WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND cu.table_name = 'members'`
	if err := x.Select(&tables, refs); err != nil {
		t.Fatal(err)
	}
	tables = append(tables, "members")
	for _, name := range tables {
		var cols []string
		if err := x.Select(&cols, `SELECT column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`, name); err != nil {
			t.Fatal(err)
		}
		out[name] = cols
	}
	return out
}

// Export is everything: every column stored about a member is in their
// export, bar a short list of the database's own bookkeeping. A column
// added to a table that refers to members fails this test until the
// export shows it or it is listed here with the reason it is not.
func TestExportHoldsEveryColumn(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		schema := memberTables(t, db)
		if len(schema) < 5 || schema["accounts"] == nil || schema["sent_copies"] == nil {
			t.Fatalf("found only %v referring to members", schema)
		}
		var unlisted []string
		for table, cols := range schema {
			for _, c := range cols {
				if _, ok := exportedColumns[table][c]; !ok {
					unlisted = append(unlisted, table+"."+c)
				}
			}
		}
		sort.Strings(unlisted)
		if len(unlisted) > 0 {
			t.Errorf("columns about members that the export does not account for: %v; export them, or list them in exportedColumns with the reason they are internal", unlisted)
		}

		alice, bob := "UALICE0001", "UBOB000002"
		fillEveryColumn(t, db, alice, bob)
		x, err := db.ExportMember(ctx, "slack", alice)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		shown := map[string]bool{}
		nonEmptyPaths(doc, "", shown)
		for table, cols := range schema {
			for _, c := range cols {
				path := exportedColumns[table][c]
				if path == "" || strings.HasPrefix(path, "internal:") {
					continue
				}
				if !shown[path] {
					t.Errorf("%s.%s is stored but the export shows nothing at %s:\n%s", table, c, path, raw)
				}
			}
		}
	})
}

// nonEmptyPaths records the path of every value in v that is not empty.
func nonEmptyPaths(v any, path string, out map[string]bool) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			nonEmptyPaths(e, join(k), out)
		}
		if len(v) > 0 && path != "" {
			out[path] = true
		}
	case []any:
		for _, e := range v {
			nonEmptyPaths(e, path, out)
		}
		if len(v) > 0 {
			out[path] = true
		}
	case string:
		out[path] = out[path] || v != ""
	case float64:
		out[path] = out[path] || v != 0
	case bool:
		out[path] = out[path] || v
	}
}

// fillEveryColumn stores a member, alice, with something in every column
// of every table about her: a profile and pause, an intro with bob that she
// answered and was asked to start, a round that left her out, a block, a
// message to her, a meetup she hosts with every detail, her RSVP to it and
// a reminder sent; the meetup's announcement, her account and the copy
// of the intro sent to her.
func fillEveryColumn(t *testing.T, db *storage.DB, alice, bob string) {
	t.Helper()
	ctx := context.Background()
	x := db.SQLX()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := x.ExecContext(ctx, x.Rebind(q), args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, id := range []string{alice, bob} {
		m := newMember(t, id)
		m.Name = "Name of " + id
		if err := db.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	until := utc.Add(30 * 24 * time.Hour)
	if _, err := db.SetPause(ctx, "slack", alice, true, &until, utc); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := x.SelectContext(ctx, &ids, x.Rebind(`SELECT id FROM members WHERE user_id IN (?, ?) ORDER BY user_id`), alice, bob); err != nil || len(ids) != 2 {
		t.Fatalf("member ids %v: %v", ids, err)
	}
	a, b := ids[0], ids[1]
	plan := func(*bot.RoundSnapshot) (*bot.RoundPlan, error) {
		return &bot.RoundPlan{Eligible: 2, FollowUpAt: utc.Add(time.Hour), Intros: []bot.PlannedIntro{{
			MemberIDs: []int64{a, b}, StarterID: a, Explanation: "You both care about frailty.",
			Question: "What would you change first?", Score: 42,
		}}}, nil
	}
	if _, err := db.CreateRound(ctx, utc, false, utc, plan); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE intros SET relaxed = TRUE, status = 'sent', channel_id = 'G0GROUP01', message_ts = '1700000000.000100'`)
	exec(`UPDATE intro_members SET answer = 'yes', answered_at = ?, unreachable = TRUE WHERE member_id = ?`, utc.Add(2*time.Hour), a)
	exec(`INSERT INTO round_left_out (round_id, member_id, reason) SELECT id, ?, 'An odd number of members this round.' FROM rounds`, a)
	exec(`INSERT INTO blocks (member_id, blocked_id, created_at) VALUES (?, ?, ?)`, a, b, utc)
	exec(`INSERT INTO outbox (kind, member_id, text, status, due_at, sent_at, ref, created_at)
		VALUES ('notice', ?, 'You are first in line next round.', 'sent', ?, ?, '1700000000.000200', ?)`, a, utc, utc, utc)
	exec(`INSERT INTO outbox (kind, member_id, notice, params, status, due_at, created_at)
		VALUES ('notice', ?, 'left_out', '{"count":1}', 'pending', ?, ?)`, a, utc, utc)
	exec(`UPDATE members SET first_name = 'Alice' WHERE id = ?`, a)
	exec(`UPDATE intros SET requested = TRUE`)
	exec(`INSERT INTO intro_requests (asker_id, asked_id, topic, status, created_at, answered_at, intro_id)
		SELECT ?, ?, 'frailty', 'accepted', ?, ?, id FROM intros`, a, b, utc, utc.Add(time.Hour))
	if _, err := db.ClaimInvitation(ctx, "slack", alice, utc); err != nil {
		t.Fatal(err)
	}
	alicem, err := db.FindMember(ctx, "slack", alice)
	if err != nil {
		t.Fatal(err)
	}
	alicem.Profile.Listed = true
	if err := db.SaveMember(ctx, alicem); err != nil {
		t.Fatal(err)
	}

	m := newMeetup(12)
	if _, err := db.CreateMeetup(ctx, "slack", alice, m); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RespondToMeetup(ctx, m.ID, "slack", alice, bot.RSVPGoing, utc); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE meetups SET link = 'https://meet.example/first5', sectors = '["gp_practice"]', rsvp_by = ?,
		status = 'cancelled', cancelled_at = ?`, utc, utc)
	if err := db.SetMeetupPost(ctx, m.ID, "slack", "C0MEETUPS1", "1700000000.000300"); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveAccount(ctx, bot.Account{Platform: "slack", UserID: alice, ObjectID: "0b1ec7a1-0000-4000-8000-000000000001",
		PrincipalName: "alice@nhs.example", TenantID: "7e4a47a1-0000-4000-8000-000000000002",
		ServiceURL: "https://smba.trafficmanager.net/uk/", ConversationID: "a:1alice", UpdatedAt: utc}); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordCopy(ctx, bot.SentCopy{Platform: "slack", Kind: bot.OutboxIntro, Tag: introID(t, db), UserID: alice,
		ConversationID: "a:1alice", ActivityID: "1:copy", SentAt: utc}); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO meetup_reminders (meetup_id, member_id, kind, starts_at, claimed_at, sent_at, attempts)
		VALUES (?, ?, 'day_before', ?, ?, ?, 1)`, m.ID, a, m.StartsAt, utc, utc)
	// Alice is paused by an admin, and is an admin who renamed a practice.
	admin := bot.User{Platform: "slack", ID: "UADMIN0009", Name: "Another Admin"}
	if err := db.RecordAudit(ctx, bot.AuditEntry{At: utc, Action: bot.AuditPause, Actor: admin, ActorName: admin.Name, MemberID: a}); err != nil {
		t.Fatal(err)
	}
	alicer := bot.User{Platform: "slack", ID: alice, Name: "Name of " + alice}
	if err := db.RecordAudit(ctx, bot.AuditEntry{At: utc, Action: bot.AuditOrgRename, Actor: alicer, ActorName: alicer.Name,
		Detail: "Riverside Surgery → Riverside Medical Practice"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveSignInLink(ctx, bot.SignInLink{TokenHash: "alice-link", Admin: alicer, CreatedAt: utc, ExpiresAt: utc.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, bot.Session{IDHash: "alice-sess", Admin: alicer, CSRF: "c", CreatedAt: utc, LastSeen: utc}); err != nil {
		t.Fatal(err)
	}
}

// introID returns the ID of the only intro.
func introID(t *testing.T, db *storage.DB) int64 {
	t.Helper()
	var id int64
	if err := db.SQLX().Get(&id, `SELECT id FROM intros`); err != nil {
		t.Fatal(err)
	}
	return id
}
