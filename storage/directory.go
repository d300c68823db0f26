package storage

import (
	"context"
	"errors"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

var errNotBuilt = errors.New("the directory is not built yet")

// SearchDirectory returns a page of the directory: see bot.DirectoryStore.
func (db *DB) SearchDirectory(ctx context.Context, q bot.DirectoryQuery) (*bot.DirectoryPage, error) {
	return nil, errNotBuilt
}

// CreateIntroRequest stores an intro request: see bot.DirectoryStore.
func (db *DB) CreateIntroRequest(ctx context.Context, platform, userID string, askedID int64, topic string, lim bot.RequestLimits, now time.Time) (*bot.IntroRequest, error) {
	return nil, errNotBuilt
}

// FindIntroRequest returns an intro request: see bot.DirectoryStore.
func (db *DB) FindIntroRequest(ctx context.Context, id int64) (*bot.IntroRequest, error) {
	return nil, errNotBuilt
}

// AnswerIntroRequest records an answer: see bot.DirectoryStore.
func (db *DB) AnswerIntroRequest(ctx context.Context, id int64, platform, userID, answer string, now, followUpAt time.Time, plan func(asker, asked bot.Member) bot.PlannedIntro) (*bot.IntroRequest, error) {
	return nil, errNotBuilt
}

// LapseIntroRequests lapses unanswered requests: see bot.DirectoryStore.
func (db *DB) LapseIntroRequests(ctx context.Context, before, now time.Time) (int, error) {
	return 0, errNotBuilt
}

// LearningGaps returns the topics wanted and not offered: see
// bot.DirectoryStore.
func (db *DB) LearningGaps(ctx context.Context, limit int) ([]bot.LearningGap, error) {
	return nil, errNotBuilt
}

// ClaimInvitation records a personal invitation: see bot.InviteStore.
func (db *DB) ClaimInvitation(ctx context.Context, platform, userID string, now time.Time) (bool, error) {
	return false, errNotBuilt
}
