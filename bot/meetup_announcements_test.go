package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeBoard is a Board whose calls the test decides.
type fakeBoard struct {
	post   func(ctx context.Context, channel string, m *Message) (string, string, error)
	update func(ctx context.Context, channelID, ref string, m *Message) error
}

func (b *fakeBoard) Post(ctx context.Context, channel string, m *Message) (string, string, error) {
	return b.post(ctx, channel, m)
}

func (b *fakeBoard) Update(ctx context.Context, channelID, ref string, m *Message) error {
	return b.update(ctx, channelID, ref, m)
}

// fakeMeetupStore answers FindMeetup as the test decides; the announcer
// needs nothing else.
type fakeMeetupStore struct {
	MeetupStore
	findMeetup func(ctx context.Context, id int64) (*Meetup, error)
}

func (s *fakeMeetupStore) FindMeetup(ctx context.Context, id int64) (*Meetup, error) {
	return s.findMeetup(ctx, id)
}

func announced(version int64, going int) *Meetup {
	start := time.Date(2026, 6, 3, 11, 30, 0, 0, time.UTC)
	return &Meetup{ID: 7, Title: "PCN lunch", Purpose: "PCN lunch", Place: "Riverside", StartsAt: start, EndsAt: start.Add(time.Hour),
		Status: MeetupScheduled, Channel: "C1", Posts: []MeetupPost{{Platform: "slack", Channel: "C1", MessageRef: "1.2"}}, Version: version, Counts: RSVPCounts{Going: going}}
}

// A request to update an announcement that comes while an update of it
// runs is not lost: the updater goes round once more, whether the request
// comes during the update itself or while the updater is on its way out
// (after its last look at the requests, before it lets go). Each case
// makes the request from inside the fake at exactly that moment, so no
// timing decides the outcome.
func TestAnnouncementUpdatesComingDuringAnUpdate(t *testing.T) {
	tests := []struct {
		name string
		// during is called in the first update; finishing at the read made
		// after it, the updater's last before letting go.
		during, finishing bool
		// movedElsewhere makes that read find a newer version, as another
		// replica's click would.
		movedElsewhere bool
		want           int
	}{
		{"alone", false, false, false, 1},
		{"a click while the update is posted", true, false, false, 2},
		{"a click while the last update is finishing", false, true, false, 2},
		{"a click on another replica", false, false, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var s *Meetups
			version := int64(1) // as committed; a click adds one
			click := func(ctx context.Context) {
				version++
				s.refresh(ctx, 7) // finds the updater busy and leaves it a note
			}
			reads, updates := 0, 0
			var shown []string
			store := &fakeMeetupStore{findMeetup: func(ctx context.Context, id int64) (*Meetup, error) {
				reads++
				m := announced(version, int(version))
				// The second read is the updater's look after its first
				// update, before it lets go.
				switch {
				case reads == 2 && tt.finishing:
					click(ctx) // committed just after that look
				case reads == 2 && tt.movedElsewhere:
					version++
					m = announced(version, int(version))
				}
				return m, nil
			}}
			board := &fakeBoard{update: func(ctx context.Context, ch, ref string, m *Message) error {
				updates++
				shown = append(shown, PlainText(m))
				if updates == 1 && tt.during {
					click(ctx)
				}
				return nil
			}}
			s = &Meetups{Store: store, Boards: []MeetupBoard{{Platform: "slack", Channel: "C1", Board: board}}, UpdateEvery: time.Millisecond}
			s.refresh(ctx, 7)
			if updates != tt.want {
				t.Fatalf("%d updates, want %d", updates, tt.want)
			}
			if last := shown[len(shown)-1]; tt.want == 2 && !strings.Contains(last, "2 going") {
				t.Errorf("the last update shows:\n%s", last)
			}
			if len(s.announcing.busy) != 0 {
				t.Errorf("still busy after the updates: %v", s.announcing.busy)
			}
		})
	}
}

// A 429 waits as long as the platform asked before the update is tried
// again; other failures are tried again a few times, then given up.
func TestAnnouncementUpdateWaitsOutRetryAfter(t *testing.T) {
	ctx := context.Background()
	store := &fakeMeetupStore{findMeetup: func(context.Context, int64) (*Meetup, error) { return announced(1, 1), nil }}
	var calls []time.Time
	const wait = 80 * time.Millisecond
	board := &fakeBoard{update: func(context.Context, string, string, *Message) error {
		calls = append(calls, time.Now())
		if len(calls) == 1 {
			return &DeliveryError{RetryAfter: wait, Err: errors.New("ratelimited")}
		}
		return nil
	}}
	s := &Meetups{Store: store, Boards: []MeetupBoard{{Platform: "slack", Channel: "C1", Board: board}}, UpdateEvery: time.Millisecond}
	s.refresh(ctx, 7)
	if len(calls) != 2 {
		t.Fatalf("%d updates, want 2", len(calls))
	}
	if gap := calls[1].Sub(calls[0]); gap < wait {
		t.Errorf("tried again after %v; Retry-After asked for %v", gap, wait)
	}

	calls = nil
	board.update = func(context.Context, string, string, *Message) error {
		calls = append(calls, time.Now())
		return &DeliveryError{RetryAfter: time.Millisecond, Err: errors.New("channel_not_found")}
	}
	s.refresh(ctx, 7)
	if len(calls) != maxAnnounceAttempts {
		t.Errorf("%d tries of a failing update, want %d", len(calls), maxAnnounceAttempts)
	}
}
