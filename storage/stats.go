package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// RoundStats returns the figures for admins.
func (db *DB) RoundStats(ctx context.Context, now time.Time, lastRounds int) (*bot.Stats, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	s := &bot.Stats{}
	now = dbTime(now)
	const members = `SELECT
			COALESCE(SUM(CASE WHEN status = 'active' AND NOT (paused AND (paused_until IS NULL OR paused_until > $1)) THEN 1 ELSE 0 END), 0) AS active,
			COALESCE(SUM(CASE WHEN status = 'active' AND paused AND (paused_until IS NULL OR paused_until > $1) THEN 1 ELSE 0 END), 0) AS paused,
			COALESCE(SUM(CASE WHEN status <> 'active' THEN 1 ELSE 0 END), 0) AS inactive
		FROM members`
	var counts struct {
		Active   int `db:"active"`
		Paused   int `db:"paused"`
		Inactive int `db:"inactive"`
	}
	if err := tx.GetContext(ctx, &counts, members, now); err != nil {
		return nil, fmt.Errorf("stats: members: %w", err)
	}
	s.Active, s.Paused, s.Inactive = counts.Active, counts.Paused, counts.Inactive

	var rounds []roundRow
	if err := tx.SelectContext(ctx, &rounds, `SELECT `+roundColumns+` FROM rounds r WHERE r.number > 0 ORDER BY r.number DESC, r.id DESC`); err != nil {
		return nil, fmt.Errorf("stats: rounds: %w", err)
	}
	s.Rounds = len(rounds)

	var rows []struct {
		IntroID int64  `db:"intro_id"`
		RoundID int64  `db:"round_id"`
		Status  string `db:"status"`
		Org     string `db:"organisation"`
		Sector  string `db:"sector"`
		Answer  string `db:"answer"`
		Left    bool   `db:"member_left"`
	}
	// A member who has left still counts in the intro, with nothing known
	// about them: the hard rule made their organisation differ, but their
	// sector is unknown.
	const intros = `SELECT i.id AS intro_id, i.round_id, i.status, COALESCE(m.organisation, '') AS organisation,
			COALESCE(m.sector, '') AS sector, im.answer, im.member_id IS NULL AS member_left
		FROM intros i JOIN intro_members im ON im.intro_id = i.id LEFT JOIN members m ON m.id = im.member_id
		ORDER BY i.id, im.position`
	if err := tx.SelectContext(ctx, &rows, intros); err != nil {
		return nil, fmt.Errorf("stats: intros: %w", err)
	}
	type introFacts struct {
		id, round     int64
		status        string
		orgs, sectors []string
		met, arranged bool
	}
	var facts []*introFacts
	for _, r := range rows {
		if n := len(facts); n == 0 || facts[n-1].id != r.IntroID {
			facts = append(facts, &introFacts{id: r.IntroID, round: r.RoundID, status: r.Status})
		}
		f := facts[len(facts)-1]
		if r.Left {
			f.orgs = append(f.orgs, fmt.Sprintf("\x00left %d", len(f.orgs)))
		} else {
			f.orgs = append(f.orgs, strings.ToLower(strings.Join(strings.Fields(r.Org), " ")))
			f.sectors = append(f.sectors, r.Sector)
		}
		// "We've arranged to meet" is a plan, not a meeting: it counts as
		// met only once someone answers that they did meet.
		f.met = f.met || r.Answer == bot.AnswerYes
		f.arranged = f.arranged || r.Answer == bot.AnswerArranged
	}
	var crossOrg, crossSector, delivered, met, arranged int
	perRound := map[int64]*bot.RoundStats{}
	for _, r := range rounds {
		perRound[r.ID] = &bot.RoundStats{Round: r.round()}
	}
	for _, f := range facts {
		s.Intros++
		if distinct(f.orgs) {
			crossOrg++
		}
		if len(f.sectors) > 1 && distinct(f.sectors) {
			crossSector++
		}
		// An intro accepted from a request before any round ran is in
		// round 0, which is no round to show: it counts in the totals.
		rs := perRound[f.round]
		if rs == nil {
			rs = &bot.RoundStats{}
		}
		if len(f.orgs) == 3 {
			rs.Trios++
		}
		switch f.status {
		case bot.IntroSent:
			delivered++
			rs.Delivered++
			switch {
			case f.met:
				met++
				rs.Met++
			case f.arranged:
				arranged++
				rs.Arranged++
			}
		case bot.IntroFailed:
			rs.Failed++
		}
	}
	if s.Intros > 0 {
		s.CrossOrganisation = float64(crossOrg) / float64(s.Intros)
		s.CrossSector = float64(crossSector) / float64(s.Intros)
	}
	if delivered > 0 {
		s.MetRate = float64(met) / float64(delivered)
		s.ArrangedRate = float64(arranged) / float64(delivered)
	}
	for i, r := range rounds {
		if i == lastRounds {
			break
		}
		s.Recent = append(s.Recent, *perRound[r.ID])
	}
	return s, tx.Commit()
}

// distinct reports whether no two of xs are equal.
func distinct(xs []string) bool {
	seen := map[string]bool{}
	for _, x := range xs {
		if seen[x] {
			return false
		}
		seen[x] = true
	}
	return true
}
