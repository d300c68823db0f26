package bot

import "context"

// findCommand answers "find TOPIC": the first page of listed members who
// offer help with the topic, each with an "Ask for an intro" button.
func (c *Chat) findCommand(ctx context.Context, u User, args []string) *Reply {
	return Answer("The directory is not ready yet.")
}

// directoryAction answers the directory's and intro requests' buttons.
func (c *Chat) directoryAction(ctx context.Context, u User, action, value string) *Reply {
	return nil
}

// directorySubmit answers DirectoryFindForm.
func (c *Chat) directorySubmit(ctx context.Context, u User, values FormValues) *Reply {
	return nil
}
