package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rapport-pcn/rapport/bot"
)

// erase erases the member with the platform user ID in a transaction of
// its own, when keep is nil or says no, and then checkpoints. It returns
// ENOTFOUND when there is no such member, and false when keep kept them.
func (db *DB) erase(ctx context.Context, platform, userID string, keep func(*bot.Member) bool) (bool, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()

	m, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return false, err
	}
	if keep != nil && keep(m) {
		return false, nil
	}
	if err := eraseMember(ctx, tx, m); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("erase member: commit: %w", err)
	}
	// The erased rows are zeroed in the database file (secure_delete), but
	// their old pages stay in the write-ahead log until a checkpoint.
	db.checkpoint(ctx)
	return true, nil
}

// eraseMember erases m and everything that names or describes them, in tx.
//
// Their own rows (RSVPs, reminders, blocks, messages to them) go with the
// member's row by ON DELETE CASCADE, and their platform account and the
// copies of messages sent to them with their user ID; meetups they host stay without a host.
// An intro not yet sent is called off and its partners are told. An intro
// already made stays, because it is the partners' history too: the
// leaver's place in it is kept with no member (the partners see "a member
// who has left"), the explanation and first question, which described
// everyone in it, are replaced, the leaver's answer is dropped, and the
// posted message is queued to be edited. Any message kept in the outbox
// that names them is rewritten.
func eraseMember(ctx context.Context, tx *tx, m *bot.Member) error {
	// Partners in an intro not yet sent lose it: tell them, and put them
	// first in line next round.
	const partners = `SELECT i.round_id, im.member_id FROM intros i
		JOIN intro_members im ON im.intro_id = i.id
		WHERE i.status = 'pending' AND im.member_id <> $1
		AND i.id IN (SELECT intro_id FROM intro_members WHERE member_id = $1)`
	var waiting []struct {
		RoundID  int64 `db:"round_id"`
		MemberID int64 `db:"member_id"`
	}
	if err := tx.SelectContext(ctx, &waiting, partners, m.ID); err != nil {
		return fmt.Errorf("erase member: partners: %w", err)
	}
	for _, p := range waiting {
		const leftOut = `INSERT INTO round_left_out (round_id, member_id, reason) VALUES ($1, $2, $3)
			ON CONFLICT (round_id, member_id) DO NOTHING`
		if _, err := tx.ExecContext(ctx, leftOut, p.RoundID, p.MemberID, bot.PartnerLeftReason); err != nil {
			return fmt.Errorf("erase member: partners: %w", err)
		}
		if err := queueNotices(ctx, tx, []bot.Notice{{MemberID: p.MemberID, Kind: bot.NoticePartnerLeft}}, tx.now); err != nil {
			return fmt.Errorf("erase member: %w", err)
		}
	}
	if err := releaseMeetupPlaces(ctx, tx, m.ID); err != nil {
		return fmt.Errorf("erase member: %w", err)
	}
	// The round's counts lose the intros called off, the leaver's share
	// of the network map and any meeting only they said happened.
	err := trackIntros(ctx, tx, func() error {
		const pending = `DELETE FROM intros WHERE status = 'pending'
			AND id IN (SELECT intro_id FROM intro_members WHERE member_id = $1)`
		if _, err := tx.ExecContext(ctx, pending, m.ID); err != nil {
			return fmt.Errorf("erase member: pending intros: %w", err)
		}

		// Posted intros show the leaver's name, role, organisation and bio:
		// edit them, durably, through the outbox.
		const posted = `SELECT i.id FROM intros i JOIN intro_members im ON im.intro_id = i.id
			WHERE im.member_id = $1 AND i.channel_id <> '' AND i.message_ts <> '' ORDER BY i.id`
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, posted, m.ID); err != nil {
			return fmt.Errorf("erase member: posted intros: %w", err)
		}
		for _, id := range ids {
			if err := queue(ctx, tx, bot.OutboxIntroUpdate, id, 0, tx.now, tx.now); err != nil {
				return err
			}
		}
		const rewrite = `UPDATE intros SET explanation = $2, question = ''
			WHERE id IN (SELECT intro_id FROM intro_members WHERE member_id = $1)`
		if _, err := tx.ExecContext(ctx, rewrite, m.ID, bot.ErasedExplanation); err != nil {
			return fmt.Errorf("erase member: intros: %w", err)
		}
		const vacate = `UPDATE intro_members SET member_id = NULL, answer = '', answered_at = NULL, unreachable = FALSE, organisation_id = NULL
			WHERE member_id = $1`
		if _, err := tx.ExecContext(ctx, vacate, m.ID); err != nil {
			return fmt.Errorf("erase member: intro places: %w", err)
		}
		return nil
	}, `i.id IN (SELECT intro_id FROM intro_members WHERE member_id = $1)`, m.ID)
	if err != nil {
		return err
	}

	if err := forgetInNotices(ctx, tx, m); err != nil {
		return err
	}
	if err := forgetInAuditLog(ctx, tx, m); err != nil {
		return err
	}
	// Their requests, sent and received, go with their row.
	if err := forgetRequests(ctx, tx, m.ID); err != nil {
		return err
	}

	if _, err := tx.ExecContext(ctx, `DELETE FROM members WHERE id = $1`, m.ID); err != nil {
		return fmt.Errorf("erase member: %w", err)
	}
	// The platform's account of them, the copies of messages sent to
	// them and their downloads waiting are keyed by their user ID rather
	// than their row.
	for _, q := range []string{
		`DELETE FROM accounts WHERE platform = $1 AND user_id = $2`,
		`DELETE FROM sent_copies WHERE platform = $1 AND user_id = $2`,
		`DELETE FROM downloads WHERE platform = $1 AND user_id = $2`,
		`DELETE FROM invitations WHERE platform = $1 AND user_id = $2`,
	} {
		if _, err := tx.ExecContext(ctx, q, m.Platform, m.UserID); err != nil {
			return fmt.Errorf("erase member: account: %w", err)
		}
	}
	if err := pruneCopies(ctx, tx); err != nil {
		return fmt.Errorf("erase member: %w", err)
	}
	// An organisation that only the leaver typed describes them too.
	return pruneOrganisations(ctx, tx)
}

// forgetInNotices takes the member out of other members' notices, sent or
// still to go. Notices name members by ID, put into words when sent, so
// the leaver's ID becomes 0, which is spoken of as a member who has left:
// SQLite reuses the highest ID, and a newcomer must not inherit a notice
// about someone else. Notices from before notices had parameters keep
// their words, in which the leaver's name and Slack ID are replaced.
func forgetInNotices(ctx context.Context, tx *tx, m *bot.Member) error {
	id := strconv.FormatInt(m.ID, 10)
	const query = `SELECT id, notice, params FROM outbox
		WHERE params <> '' AND (params LIKE '%' || CAST($1 AS TEXT) || '%'
			OR (notice = 'text' AND (params LIKE '%' || CAST($2 AS TEXT) || '%' OR params LIKE '%' || CAST($3 AS TEXT) || '%')))`
	var rows []struct {
		ID     int64  `db:"id"`
		Notice string `db:"notice"`
		Params string `db:"params"`
	}
	if err := tx.SelectContext(ctx, &rows, query, id, m.Name, m.UserID); err != nil {
		return fmt.Errorf("erase member: notices: %w", err)
	}
	for _, r := range rows {
		var p bot.NoticeParams
		if err := json.Unmarshal([]byte(r.Params), &p); err != nil {
			return fmt.Errorf("erase member: notice %d: %w", r.ID, err)
		}
		changed := false
		for i, mid := range p.Members {
			if mid == m.ID {
				p.Members[i], changed = 0, true
			}
		}
		if r.Notice == bot.NoticeText {
			text := p.Text
			for _, s := range []string{"<@" + m.UserID + ">", m.Name, m.UserID} {
				text = replaceWord(text, s, bot.LeftMemberName)
			}
			changed = changed || text != p.Text
			p.Text = text
		}
		if !changed {
			continue
		}
		b, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("erase member: notice %d: %w", r.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET params = $2 WHERE id = $1`, r.ID, string(b)); err != nil {
			return fmt.Errorf("erase member: notice %d: %w", r.ID, err)
		}
	}
	return nil
}

// replaceWord replaces old in s where it stands as a word of its own, so
// that a member called Ann leaves "Annual review" as it is.
func replaceWord(s, old, new string) string {
	if old == "" {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(old):])
		if i > 0 && wordRune(before) || i+len(old) < len(s) && wordRune(after) {
			b.WriteString(s[:i+len(old)])
		} else {
			b.WriteString(s[:i])
			b.WriteString(new)
		}
		s = s[i+len(old):]
	}
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// checkpointTries bounds the attempts to empty the write-ahead log while
// readers hold on to older snapshots.
const checkpointTries = 5

// checkpoint copies SQLite's write-ahead log into the database file and
// truncates it, so that pages holding erased rows leave the data
// directory. With secure_delete, the erased content is zeroed in the file
// itself. A reader that holds an old snapshot for longer than the busy
// timeout defeats it; the next erasure or sweep tries again. PostgreSQL
// has no equivalent: see README.
func (db *DB) checkpoint(ctx context.Context) {
	if db.dialect != DialectSQLite {
		return
	}
	for range checkpointTries {
		var busy, logFrames, done int
		err := db.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done)
		if err == nil && busy == 0 {
			return
		}
		if ctx.Err() != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
