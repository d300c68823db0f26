package bot

import "strconv"

// blockSelfMessage refuses a member who names themselves.
func blockSelfMessage() *Message {
	return Say("That's you! You can't block yourself. To take a break from introductions, use ", Cmd("pause"), ".")
}

// blockedNote is the small print on every block: what it means, and that
// it stays private.
const blockedNote = "Nobody else is told, and they can't see it."

// blockedMessage confirms a block. name is empty when the member typed
// who they meant: the answer is then the same whether or not that person
// has joined Rapport, so it tells nobody who takes part.
func blockedMessage(name string) *Message {
	who := "them"
	if name != "" {
		who = name
	}
	return Say("Done: you won't be introduced to ", who, ". ", blockedNote, " To undo it, use ", Cmd("unblock"), " or ", Cmd("blocks"), ".")
}

// unblockedMessage confirms an unblock, or says there was nothing to
// undo. name is empty when the member typed who they meant.
func unblockedMessage(name string, was bool) *Message {
	who := "them"
	if name != "" {
		who = name
	}
	if !was {
		return Say("You haven't blocked ", who, ", so there's nothing to undo. See who you've blocked with ", Cmd("blocks"), ".")
	}
	return Say("Done: you may be introduced to ", who, " again. They aren't told.")
}

// nameSomeoneHint says how to name someone to block or unblock.
func nameSomeoneHint(command string) Text {
	return P("Name them with an @mention in Slack, such as ", Cmd(command, "@Priya"), ", or in Teams by their work email address, such as ",
		Cmd(command, "priya.shah@nhs.net"), ". Or choose below from the people you've been introduced to.")
}

// noEmailHere tells a member on a platform that does not tell Rapport
// sign-in names (Slack) to name someone another way.
func noEmailHere(command string) Text {
	return P("I can't look people up by email here. Name them with an @mention, such as ", Cmd(command, "@Priya"),
		", or choose below from the people you've been introduced to.")
}

// blockListMessage lists the member's blocks (when withBlocks), each with
// an Unblock button, then the people they have been introduced to and
// not blocked, each with a Block button. problem, when set, comes first.
func blockListMessage(problem Text, withBlocks bool, blocks []Block, introduced []Member) *Message {
	m := &Message{Title: "Block someone"}
	if withBlocks {
		m.Title = "Your blocks"
	}
	if problem != nil {
		m.Add(Section{Text: problem})
	}
	if withBlocks {
		if len(blocks) == 0 {
			m.Add(Section{Heading: "People you've blocked", Text: P("You haven't blocked anyone.")})
		} else {
			m.Add(Section{Heading: "People you've blocked", Text: P("You won't be introduced to them. They aren't told, and can't see it.")})
			for i, b := range blocks {
				if i == maxBlocksShown {
					m.Add(Section{Text: P("And ", Count(len(blocks)-i, "more", "more"), ". To unblock one of them, name them: ", Cmd("unblock", "@Priya"), ".")})
					break
				}
				m.Add(Section{Text: P(b.Name), Buttons: []Button{{Action: ActionUnblockMember, Value: strconv.FormatInt(b.MemberID, 10), Label: "Unblock"}}})
			}
		}
	}
	if len(introduced) == 0 {
		m.Add(Section{Heading: "People you've been introduced to", Text: P("Nobody yet, or you've blocked everyone you were introduced to.")})
	} else {
		m.Add(Section{Heading: "People you've been introduced to", Text: P("Block someone and you'll never be introduced to them again. ", blockedNote)})
		for _, o := range introduced {
			m.Add(Section{Text: P(o.Name), Buttons: []Button{{Action: ActionBlockMember, Value: strconv.FormatInt(o.ID, 10), Label: "Block"}}})
		}
	}
	if problem == nil {
		m.Add(Section{Note: P("You can also name someone: ", Cmd("block", "@Priya"), " or ", Cmd("block", "priya.shah@nhs.net"), ".")})
	}
	return m
}

// maxBlocksShown is how many blocks the list shows with a button each,
// so that it stays one message on every platform (Slack takes 50 blocks).
const maxBlocksShown = 12

// notAGoodMatchConfirm is the question before "Not a good match" counts,
// in an intro of people people: in a group, the next question asks which
// of them.
func notAGoodMatchConfirm(people int) string {
	if people > 2 {
		return "We'll ask which of them you'd rather not be introduced to again. Nobody else is told."
	}
	return "We won't introduce you to each other again. Nobody else is told."
}

// notAGoodMatchMessage confirms "Not a good match" for the people named.
func notAGoodMatchMessage(names []string) *Message {
	return Say("Thanks for telling us. We won't introduce you to ", AndNames(names), " again. Nobody else is told.")
}

// whichMemberMessage asks a member of a trio, or larger group, who it is
// they would rather not be introduced to again.
func whichMemberMessage(introID int64, others []IntroMember) *Message {
	id := strconv.FormatInt(introID, 10)
	var buttons []Button
	for _, o := range others {
		buttons = append(buttons, Button{Action: actionIntroBlockOne, Value: id + ":" + strconv.FormatInt(o.Member.ID, 10), Label: o.Member.Name})
	}
	all := "Both"
	if len(others) > 2 {
		all = "All of them"
	}
	buttons = append(buttons, Button{Action: actionIntroBlockAll, Value: id, Label: all})
	return &Message{Sections: []Section{{
		Heading: "Who would you rather not be introduced to again?",
		Text:    P("We'll never introduce you to the person you choose again. ", blockedNote),
		Buttons: buttons,
	}}}
}
