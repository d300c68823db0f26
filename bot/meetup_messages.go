package bot

import "time"

// meetupNotice puts a notice about a meetup (promoted, changed, cancelled,
// a reminder) into words, with the meetup as it is now.
func meetupNotice(n *NoticeMessage, loc *time.Location) *Message {
	return Say(n.Meetup.Title)
}
