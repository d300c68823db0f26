package bot

import "time"

// pausedAnswer stands in for the lead's pausedMessage (chat_members.go)
// until it lands on main; this file is deleted then.
func pausedAnswer(st *Status, loc *time.Location) *Message {
	m := st.Member
	if m.PausedUntil == nil {
		return Say("Done: you're paused until you resume with ", Cmd("resume"), ". Take all the time you need.")
	}
	t := P("Done: you're paused until ", day(*m.PausedUntil, loc), ". You'll be back in rounds from then")
	if !st.NextRound.IsZero() {
		t = P(t, ", starting with the one on ", when(st.NextRound, loc))
	}
	return &Message{Sections: []Section{{Text: P(t, ". To come back sooner, use ", Cmd("resume"), ".")}}}
}
