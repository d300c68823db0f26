package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rapport-pcn/rapport/matcher"
)

// Intro requests: a member asks, through the directory, to be introduced
// to someone listed; the person asked accepts, and is introduced as a
// round introduces people, or says not now.

func (d *Directory) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

func (d *Directory) limits() RequestLimits {
	if d.Limits.PerWindow <= 0 {
		return DefaultRequestLimits()
	}
	return d.Limits
}

func (d *Directory) queued() {
	if d.OnQueued != nil {
		d.OnQueued()
	}
}

// followUpAt is when an accepted request's intro asks "did you meet?".
func (d *Directory) followUpAt(now time.Time) time.Time {
	after := d.Rounds.FollowUpAfter
	if after <= 0 {
		after = DefaultRoundSettings().FollowUpAfter
	}
	return now.Add(after)
}

// askForIntro sends a request from u to member id about topic.
func (c *Chat) askForIntro(ctx context.Context, u User, id int64, topic string) *Reply {
	d := c.Directory
	if d == nil {
		return c.failed("ask for an intro", errNoDirectory)
	}
	lim := d.limits()
	r, err := d.Store.CreateIntroRequest(ctx, u.Platform, u.ID, id, topic, lim, d.now())
	if err != nil {
		var e *Error
		errors.As(err, &e)
		switch ErrorCode(err) {
		case ELIMIT, ECONFLICT:
			if e.Until.IsZero() && e.Message != "" {
				return c.failed("ask for an intro", err) // the store's own words
			}
			if e.Code == ELIMIT {
				return refused(AnswerWith(askLimitMessage(lim.PerWindow, e.Until, c.loc())))
			}
			return refused(AnswerWith(askAgainMessage(e.Until, c.loc())))
		case ENOTFOUND:
			if e.About == AboutMember {
				return refused(Answer("The directory is for members of the network. Join first with ", Cmd(), " (it takes a minute), then search again."))
			}
			return refused(Answer("Sorry, that person can't be asked just now: they may have paused their introductions or left the directory. Try ",
				Cmd("find", Truncate(topic, maxTopicValue)), " again for someone else."))
		}
		return c.failed("ask for an intro", err)
	}
	d.queued()
	return AnswerWith(askedMessage(r))
}

// answerRequest records the answer of u, the person asked, to request id.
func (c *Chat) answerRequest(ctx context.Context, u User, id int64, answer string) *Reply {
	d := c.Directory
	if d == nil {
		return c.failed("answer a request", errNoDirectory)
	}
	now := d.now()
	var topic string
	if answer == RequestAccepted {
		// The topic is the request's: read it so the plan can speak of it.
		r, err := d.Store.FindIntroRequest(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			return refused(Answer("That request is not yours to answer, or it no longer exists."))
		} else if err != nil {
			return c.failed("answer a request", err)
		}
		topic = r.Topic
	}
	plan := func(asker, asked Member) PlannedIntro { return requestedIntro(asker, asked, topic) }
	r, err := d.Store.AnswerIntroRequest(ctx, id, u.Platform, u.ID, answer, now, d.followUpAt(now), plan)
	switch ErrorCode(err) {
	case "":
	case ENOTFOUND:
		return refused(Answer("That request is not yours to answer, or it no longer exists."))
	case ECONFLICT:
		if r == nil {
			return refused(Answer("That request has been answered already."))
		}
		return refused(&Reply{Answer: answeredAlreadyMessage(r), Replace: true})
	default:
		return c.failed("answer a request", err)
	}
	d.queued()
	if answer == RequestAccepted {
		return &Reply{Answer: acceptedMessage(r), Replace: true}
	}
	return &Reply{Answer: notNowDoneMessage(r), Replace: true}
}

// requestedIntro plans the intro an accepted request makes, as a round
// plans one: the topic asked about comes first among the reasons, then
// what the matcher finds the two share, and the first question is about
// the topic, for the asker to start.
func requestedIntro(asker, asked Member, topic string) PlannedIntro {
	pi := PlannedIntro{MemberIDs: []int64{asker.ID, asked.ID}, StarterID: asker.ID}
	an, bn := FirstName(asker), FirstName(asked)
	if an == "" {
		an = asker.Name
	}
	if bn == "" {
		bn = asked.Name
	}
	t := lowerTopic(topic)
	first := fmt.Sprintf("%s asked to talk about %s, which %s can help with.", an, t, bn)
	if extra, score := pairReasons(asker, asked, topic); extra != "" {
		pi.Explanation, pi.Score = first+" "+extra, score
	} else {
		pi.Explanation = first
	}
	pi.Question = fmt.Sprintf("%s, what has worked for you with %s?", bn, t)
	return pi
}

// pairReasons asks the matcher what else two members share, leaving out
// what it could only say of people who were never introduced (it is not
// told their history) and the topic asked about, which the first reason
// says already.
func pairReasons(a, b Member, topic string) (string, int) {
	in := matcher.Input{}
	for _, m := range []Member{a, b} {
		in.Members = append(in.Members, matcherMember(m))
	}
	res, err := matcher.Match(in, matcher.Options{})
	if err != nil || len(res.Groups) != 1 {
		return "", 0
	}
	g := res.Groups[0]
	var why []matcher.Reason
	for _, r := range g.Why {
		if r.Kind == matcher.ReasonFirstMeeting || r.Kind == matcher.ReasonRepeat || r.Kind == matcher.ReasonJoined {
			continue
		}
		if r.Kind == matcher.ReasonOfferAsk {
			r.Topics = slices.DeleteFunc(slices.Clone(r.Topics), func(t string) bool { return FoldText(t) == FoldText(topic) })
			if len(r.Topics) == 0 {
				continue
			}
		}
		why = append(why, r)
	}
	g.Why = why
	return explain(g), g.Score
}
