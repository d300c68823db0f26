package bot

import "context"

// isRoundsAdmin reports whether an admin command is about rounds.
func isRoundsAdmin(args []string) bool {
	return len(args) > 0 && (args[0] == "preview" || args[0] == "run-now" || args[0] == "stats")
}

// roundsAdmin answers "admin preview", "admin run-now [--force]" and
// "admin stats".
func (c *Chat) roundsAdmin(ctx context.Context, u User, args []string) *Reply { return nil }

// roundsAction answers the run-now confirmation.
func (c *Chat) roundsAction(ctx context.Context, u User, action, value string) *Reply { return nil }
