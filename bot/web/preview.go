package web

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// The round preview runs the matcher over every member, which takes a
// second or more on a large network: it is worked out in the background,
// once, and again only when what it depends on changes.

// How often the preview's inputs are looked at: by the background loop,
// and at most this often by the page itself.
const (
	previewCheckEvery   = 30 * time.Second
	previewRequestCheck = 5 * time.Second
	// previewMaxAge redoes a preview this old even when nothing changed:
	// who is due an introduction depends on the date too.
	previewMaxAge = time.Hour
)

// previewKey is what a preview depends on, besides the date: the members
// who could take part, and the rounds run.
type previewKey struct {
	Members bot.MembersVersion
	Round   int64
}

// previewMember is what the preview page shows of a member in an intro.
type previewMember struct {
	Name, Organisation string
}

// preview is a worked-out plan of the next round.
type preview struct {
	Plan    *bot.RoundPlan
	Period  time.Time
	Members map[int64]previewMember
	At      time.Time
	Key     previewKey
	Err     error
}

type previewCache struct {
	store  bot.DashboardStore
	rounds *bot.Rounds
	now    func() time.Time
	log    *slog.Logger
	kick   chan struct{}

	mu        sync.Mutex
	last      *preview
	stale     bool // the inputs changed since last was worked out
	checkedAt time.Time
	running   bool
}

func newPreviewCache(store bot.DashboardStore, rounds *bot.Rounds, now func() time.Time, log *slog.Logger) *previewCache {
	return &previewCache{store: store, rounds: rounds, now: now, log: log, kick: make(chan struct{}, 1)}
}

// get returns the latest preview (nil before the first is ready) and
// whether a newer one is being worked out. It looks at the inputs itself
// at most every previewRequestCheck, so a change shows soon after.
func (c *previewCache) get(ctx context.Context) (*preview, bool) {
	c.mu.Lock()
	check := c.now().Sub(c.checkedAt) >= previewRequestCheck
	if check {
		c.checkedAt = c.now()
	}
	last := c.last
	c.mu.Unlock()
	if check && last != nil {
		if key, err := c.key(ctx); err == nil && key != last.Key {
			c.mu.Lock()
			c.stale = true
			c.mu.Unlock()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil || c.stale {
		c.wake()
	}
	return c.last, c.last == nil || c.stale || c.running
}

// invalidate makes the next look work the preview out again: a round has
// just run.
func (c *previewCache) invalidate() {
	c.mu.Lock()
	c.stale = true
	c.wake()
	c.mu.Unlock()
}

func (c *previewCache) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// key reads what the preview depends on.
func (c *previewCache) key(ctx context.Context) (previewKey, error) {
	v, err := c.store.MembersVersion(ctx)
	if err != nil {
		return previewKey{}, err
	}
	k := previewKey{Members: v}
	r, err := c.rounds.Store.LatestRound(ctx)
	switch bot.ErrorCode(err) {
	case "":
		k.Round = r.ID
	case bot.ENOTFOUND:
	default:
		return previewKey{}, err
	}
	return k, nil
}

// run works the preview out at once, then whenever its inputs change or
// it is asked to, until ctx is cancelled.
func (c *previewCache) run(ctx context.Context) {
	if c.rounds == nil {
		return
	}
	t := time.NewTicker(previewCheckEvery)
	defer t.Stop()
	for {
		c.refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.kick:
		}
	}
}

// refresh works the preview out again when it is missing, stale or old.
func (c *previewCache) refresh(ctx context.Context) {
	key, err := c.key(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Error("read what the round preview depends on", "err", err)
		}
		return
	}
	c.mu.Lock()
	due := c.last == nil || c.stale || c.last.Key != key || c.now().Sub(c.last.At) >= previewMaxAge
	if due {
		c.running = true
		c.stale = false
	}
	c.mu.Unlock()
	if !due {
		return
	}
	p := c.compute(ctx, key)
	c.mu.Lock()
	c.running = false
	if ctx.Err() == nil {
		c.last = p
	}
	c.mu.Unlock()
}

// snapshotKeeper keeps the snapshot a preview was planned from, so the
// page can name the members of each intro without reading them again.
type snapshotKeeper struct {
	bot.RoundStore
	snap *bot.RoundSnapshot
}

func (k *snapshotKeeper) RoundSnapshot(ctx context.Context) (*bot.RoundSnapshot, error) {
	s, err := k.RoundStore.RoundSnapshot(ctx)
	k.snap = s
	return s, err
}

func (c *previewCache) compute(ctx context.Context, key previewKey) *preview {
	rounds := *c.rounds
	keeper := &snapshotKeeper{RoundStore: rounds.Store}
	rounds.Store = keeper
	start := time.Now()
	plan, period, err := rounds.PreviewNext(ctx)
	p := &preview{Plan: plan, Period: period, At: c.now(), Key: key, Err: err}
	if err != nil {
		if ctx.Err() == nil {
			c.log.Error("work out the round preview", "err", err)
		}
		return p
	}
	p.Members = map[int64]previewMember{}
	inIntro := map[int64]bool{}
	for _, in := range plan.Intros {
		for _, id := range in.MemberIDs {
			inIntro[id] = true
		}
	}
	if keeper.snap != nil {
		for _, m := range keeper.snap.Members {
			if inIntro[m.ID] {
				p.Members[m.ID] = previewMember{Name: m.Name, Organisation: m.Profile.Organisation}
			}
		}
	}
	c.log.Info("worked out the round preview", "members", plan.Eligible, "intros", len(plan.Intros), "took", time.Since(start))
	return p
}
