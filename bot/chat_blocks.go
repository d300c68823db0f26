package bot

import (
	"context"
	"strconv"
	"strings"
)

// Action IDs of the buttons on the block list and on the question a
// trio's "Not a good match" asks.
const (
	ActionBlockMember   = "block_member"
	ActionUnblockMember = "unblock_member"
	actionIntroBlockOne = "intro_block_one"
	actionIntroBlockAll = "intro_block_all"
)

// blockStore is where blocks are kept: the member store, which keeps them
// beside the intros the matcher reads them with.
func (c *Chat) blockStore() (BlockStore, bool) {
	if c.Service == nil {
		return nil, false
	}
	bs, ok := c.Service.Store.(BlockStore)
	return bs, ok
}

// blockCommand answers "block", "unblock" and "blocks".
//
// What it says never depends on whether the person named is a member:
// blocking someone who has not joined, or whom the bot cannot find, gets
// the same answer as blocking a member, so that nobody learns from Rapport
// who takes part. Only blocking oneself is refused.
func (c *Chat) blockCommand(ctx context.Context, u User, cmd Command) *Reply {
	bs, ok := c.blockStore()
	if !ok {
		return nil
	}
	me, err := c.Service.Store.FindMember(ctx, u.Platform, u.ID)
	if err != nil {
		return c.failed(cmd.Name, err)
	}
	if cmd.Name == "blocks" || len(cmd.Args) == 0 {
		return c.blockList(ctx, bs, u, cmd.Name != "block", nil)
	}
	target, ok := parseBlockTarget(cmd.Args)
	if !ok {
		return c.blockList(ctx, bs, u, cmd.Name != "block", P("I couldn't tell who you mean by “", Truncate(strings.Join(cmd.Args, " "), 40), "”. ", nameSomeoneHint(cmd.Name)))
	}
	if target.email != "" && !c.knowsEmails(ctx, bs, u) {
		// Said the same whoever is named: it is about the platform.
		return c.blockList(ctx, bs, u, cmd.Name != "block", noEmailHere(cmd.Name))
	}
	other, err := c.findTarget(ctx, bs, u, target)
	if err != nil {
		return c.failed(cmd.Name, err)
	}
	if other != nil && other.ID == me.ID || target.userID == u.ID {
		return refused(AnswerWith(blockSelfMessage()))
	}
	switch cmd.Name {
	case "block":
		if other != nil {
			if err := bs.BlockMembers(ctx, u.Platform, u.ID, []int64{other.ID}, c.now()); err != nil {
				return c.failed("block", err)
			}
			c.log().Info("member blocked someone", "platform", u.Platform, "user", u.ID)
		}
		return AnswerWith(blockedMessage(""))
	case "unblock":
		was := false
		if other != nil {
			if was, err = bs.UnblockMember(ctx, u.Platform, u.ID, other.ID); err != nil {
				return c.failed("unblock", err)
			}
		}
		return AnswerWith(unblockedMessage("", was))
	}
	return nil
}

// knowsEmails reports whether u's platform tells Rapport people's sign-in
// names, so that a member can be named by email: it does when it told
// Rapport u's own.
func (c *Chat) knowsEmails(ctx context.Context, bs BlockStore, u User) bool {
	if u.PrincipalName != "" {
		return true
	}
	a, err := bs.FindAccount(ctx, u.Platform, u.ID)
	return err == nil && a.PrincipalName != ""
}

// findTarget returns the member a block names, or nil when nobody on the
// platform has joined under that name.
func (c *Chat) findTarget(ctx context.Context, bs BlockStore, u User, t blockTarget) (*Member, error) {
	if t.email != "" {
		return bs.MemberByPrincipalName(ctx, u.Platform, t.email)
	}
	m, err := c.Service.Store.FindMember(ctx, u.Platform, t.userID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil
	}
	return m, err
}

// blockList shows the member's blocks (when withBlocks) and the people
// they have been introduced to, each with a button; problem, when set,
// says first why the list is shown.
func (c *Chat) blockList(ctx context.Context, bs BlockStore, u User, withBlocks bool, problem Text) *Reply {
	blocks, err := bs.MemberBlocks(ctx, u.Platform, u.ID)
	if err != nil {
		return c.failed("blocks", err)
	}
	met, err := bs.IntroducedTo(ctx, u.Platform, u.ID, maxIntroducedShown+len(blocks))
	if err != nil {
		return c.failed("blocks", err)
	}
	blocked := map[int64]bool{}
	for _, b := range blocks {
		blocked[b.MemberID] = true
	}
	var offer []Member
	for _, m := range met {
		if !blocked[m.ID] && len(offer) < maxIntroducedShown {
			offer = append(offer, m)
		}
	}
	if !withBlocks {
		blocks = nil
	}
	r := AnswerWith(blockListMessage(problem, withBlocks, blocks, offer))
	if problem != nil {
		return refused(r)
	}
	return r
}

// blockAction answers the Block and Unblock buttons of the block list.
// A Block button works only for someone the member has been introduced
// to, so that a button made up by hand learns nothing about anyone else.
func (c *Chat) blockAction(ctx context.Context, u User, action, value string) *Reply {
	bs, ok := c.blockStore()
	if !ok {
		return nil
	}
	id, _ := strconv.ParseInt(value, 10, 64)
	switch action {
	case ActionBlockMember:
		met, err := bs.IntroducedTo(ctx, u.Platform, u.ID, maxIntroducedChecked)
		if err != nil {
			return c.failed("block", err)
		}
		for _, m := range met {
			if m.ID == id {
				if err := bs.BlockMembers(ctx, u.Platform, u.ID, []int64{id}, c.now()); err != nil {
					return c.failed("block", err)
				}
				c.log().Info("member blocked someone", "platform", u.Platform, "user", u.ID)
				return AnswerWith(blockedMessage(m.Name))
			}
		}
		return AnswerWith(blockedMessage(""))
	case ActionUnblockMember:
		blocks, err := bs.MemberBlocks(ctx, u.Platform, u.ID)
		if err != nil {
			return c.failed("unblock", err)
		}
		name := ""
		for _, b := range blocks {
			if b.MemberID == id {
				name = b.Name
			}
		}
		was := false
		if name != "" {
			if was, err = bs.UnblockMember(ctx, u.Platform, u.ID, id); err != nil {
				return c.failed("unblock", err)
			}
		}
		return AnswerWith(unblockedMessage(name, was))
	}
	return nil
}

// notAGoodMatch answers "Not a good match" on an intro: in a pair it
// blocks the other person; with two others or more it asks which.
func (c *Chat) notAGoodMatch(ctx context.Context, u User, introID int64) *Reply {
	in, err := c.Rounds.Store.FindIntro(ctx, introID)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return c.failed("block", err)
	}
	var others []IntroMember
	mine := false
	if in != nil {
		for _, im := range in.Members {
			switch {
			case im.Member.Platform == u.Platform && im.Member.UserID == u.ID && !im.Left:
				mine = true
			case !im.Left:
				others = append(others, im)
			}
		}
	}
	if mine && len(others) > 1 {
		return AnswerWith(whichMemberMessage(in.ID, others))
	}
	return c.blockAllInIntro(ctx, u, introID, false)
}

// blockAllInIntro blocks everyone else in the intro, as "Not a good
// match" did in a pair and "Both" does in a trio.
func (c *Chat) blockAllInIntro(ctx context.Context, u User, introID int64, replace bool) *Reply {
	in, err := c.Rounds.NotAGoodMatch(ctx, u, introID)
	if err != nil {
		if replace {
			return c.failedReplacing("block", err)
		}
		return c.failed("block", err)
	}
	var names []string
	for _, o := range in.Members {
		if o.Member.UserID != u.ID && !o.Left {
			names = append(names, o.Member.Name)
		}
	}
	return &Reply{Answer: notAGoodMatchMessage(names), Replace: replace}
}

// blockOneInIntro blocks one person of the intro, chosen by the member
// from the question a trio's "Not a good match" asks. value is
// "introID:memberID".
func (c *Chat) blockOneInIntro(ctx context.Context, u User, value string) *Reply {
	a, b, _ := strings.Cut(value, ":")
	introID, _ := strconv.ParseInt(a, 10, 64)
	otherID, _ := strconv.ParseInt(b, 10, 64)
	bs, ok := c.blockStore()
	if !ok {
		return nil
	}
	in, err := c.Rounds.Store.FindIntro(ctx, introID)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return c.failedReplacing("block", err)
	}
	var mine bool
	var other *IntroMember
	if in != nil {
		for i, im := range in.Members {
			switch {
			case im.Left:
			case im.Member.Platform == u.Platform && im.Member.UserID == u.ID:
				mine = true
			case im.Member.ID == otherID:
				other = &in.Members[i]
			}
		}
	}
	if !mine {
		return refused(Replacing(notYoursMessage))
	}
	if other == nil {
		// They left after the question was asked: there is nobody to
		// block, and they will never be introduced again anyway.
		return Replacing("Thanks for telling us. They've left Rapport, so you won't be introduced to them again.")
	}
	if err := bs.BlockMembers(ctx, u.Platform, u.ID, []int64{other.Member.ID}, c.now()); err != nil {
		return c.failedReplacing("block", err)
	}
	return &Reply{Answer: notAGoodMatchMessage([]string{other.Member.Name}), Replace: true}
}
