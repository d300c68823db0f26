package bot

// Meetups carries out /meetup: announcing events, RSVPs and reminders.
// (Being built; see issue 4.)
type Meetups struct{}

// MeetupRecord is one meetup a member hosted or answered, as their export
// shows it.
type MeetupRecord struct{}
