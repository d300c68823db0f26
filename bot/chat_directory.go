package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// errNoDirectory is the failure where no directory is wired: a setup
// without one, not a database error.
var errNoDirectory = errors.New("no directory here")

// findCommand answers "find TOPIC": the first page of listed members who
// offer help with the topic, each with an "Ask for an intro" button.
func (c *Chat) findCommand(ctx context.Context, u User, args []string) *Reply {
	topic := strings.TrimSpace(strings.Join(args, " "))
	if topic == "" {
		return AnswerWith(findAskMessage())
	}
	if msg := topicProblem(topic); msg != "" {
		return refused(Answer(msg))
	}
	return c.search(ctx, u, topic, 0)
}

// search answers with the page of results for topic at offset.
func (c *Chat) search(ctx context.Context, u User, topic string, offset int) *Reply {
	if c.Directory == nil || c.Service == nil {
		return c.failed("find", errNoDirectory)
	}
	me, err := c.Service.Store.FindMember(ctx, u.Platform, u.ID)
	if ErrorCode(err) == ENOTFOUND {
		return refused(Answer("The directory is for members of the network. Join first with ", Cmd(),
			" (it takes a minute), then search again with ", Cmd("find", Truncate(topic, maxTopicValue)), "."))
	} else if err != nil {
		return c.failed("find", err)
	}
	page, err := c.Directory.Store.SearchDirectory(ctx, DirectoryQuery{
		AskerID: me.ID, Words: FoldWords(topic), Offset: offset, Limit: DirectoryPageSize, Now: c.now(),
	})
	if err != nil {
		return c.failed("find", err)
	}
	return AnswerWith(directoryResultsMessage(topic, page, offset, me.Profile.Listed))
}

// maxOffset is the furthest page "More results" goes: a forged value
// cannot ask the database to skip more.
const maxOffset = 1000

// directoryAction answers the directory's and intro requests' buttons.
// Every value comes back from the platform and may be forged: each is
// parsed and checked as if a member had typed it.
func (c *Chat) directoryAction(ctx context.Context, u User, action, value string) *Reply {
	switch action {
	case ActionDirectoryFind:
		f := directoryFindForm()
		return &Reply{Form: &FormOpen{Title: f.Title, Ready: f,
			Failed: Say("Sorry, I couldn't open the search just now. Type ", Cmd("find"), " and a topic instead, e.g. ", Cmd("find diabetes"), ".")}}
	case ActionDirectoryMore:
		n, topic, ok := splitValue(value)
		if !ok || n < 0 || n > maxOffset || topicProblem(topic) != "" {
			return refused(Answer("That button no longer works. Please search again with ", Cmd("find"), "."))
		}
		return c.search(ctx, u, topic, int(n))
	case ActionDirectoryAsk:
		id, topic, ok := splitValue(value)
		if !ok || id <= 0 || topicProblem(topic) != "" {
			return refused(Answer("That button no longer works. Please search again with ", Cmd("find"), "."))
		}
		return c.askForIntro(ctx, u, id, topic)
	case ActionRequestAccept, ActionRequestNotNow:
		id, err := strconv.ParseInt(value, 10, 64)
		if err != nil || id <= 0 {
			return refused(Answer("That request is not yours to answer, or it no longer exists."))
		}
		answer := RequestAccepted
		if action == ActionRequestNotNow {
			answer = RequestNotNow
		}
		return c.answerRequest(ctx, u, id, answer)
	}
	return nil
}

// splitValue reads "N:topic", as askValue and moreValue write it.
func splitValue(value string) (int64, string, bool) {
	num, topic, ok := strings.Cut(value, ":")
	if !ok {
		return 0, "", false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, "", false
	}
	topic = oneLine(CleanText(topic))
	return n, topic, topic != ""
}

// directorySubmit answers DirectoryFindForm.
func (c *Chat) directorySubmit(ctx context.Context, u User, values FormValues) *Reply {
	topic := oneLine(CleanText(values.Get(FieldFindTopic)))
	if msg := topicProblem(topic); msg != "" {
		return refused(&Reply{Errors: map[string]string{FieldFindTopic: msg}})
	}
	return c.search(ctx, u, topic, 0)
}
