package storage

import (
	"context"

	"github.com/rapport-pcn/rapport/bot"
)

// exportMeetups adds the meetups the member hosted or answered to x.
func exportMeetups(ctx context.Context, tx *tx, memberID int64, x *bot.MemberExport) error {
	return nil
}
