package teams

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// grants records the slots a pacer grants, by conversation.
type grants struct {
	mu  sync.Mutex
	by  map[string][]time.Time
	all []time.Time
}

func record(p *Pacer) *grants {
	g := &grants{by: map[string][]time.Time{}}
	p.granted = func(conv string, at time.Time) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.by[conv] = append(g.by[conv], at)
		g.all = append(g.all, at)
	}
	return g
}

// exceeded returns a description of the first span of w.Per that holds
// more than w.N of times, or "".
func exceeded(times []time.Time, w Window) string {
	ts := slices.Clone(times)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	for i := 0; i+w.N < len(ts); i++ {
		if d := ts[i+w.N].Sub(ts[i]); d < w.Per {
			return fmt.Sprintf("%d calls in %s (limit %d in %s)", w.N+1, d, w.N, w.Per)
		}
	}
	return ""
}

func scaled(w Window, scale float64) Window {
	return Window{N: w.N, Per: time.Duration(float64(w.Per) / scale)}
}

// The check itself catches a burst.
func TestExceededFindsABurst(t *testing.T) {
	now := time.Now()
	var ts []time.Time
	for i := range 8 {
		ts = append(ts, now.Add(time.Duration(i)*100*time.Millisecond))
	}
	if exceeded(ts, Window{N: 7, Per: time.Second}) == "" {
		t.Fatal("8 calls in 0.7 s not seen as over 7 a second")
	}
	if exceeded(ts[:7], Window{N: 7, Per: time.Second}) != "" {
		t.Fatal("7 calls seen as over 7 a second")
	}
}

// Under many concurrent callers, in a few busy conversations, creating
// conversations and calling outside any, no conversation's window and
// not the tenant's is ever exceeded, on a clock a hundred times faster.
func TestPacerKeepsEveryWindow(t *testing.T) {
	const scale = 100
	p := NewPacer(Limits{TimeScale: scale}, nil)
	g := record(p)
	ctx := context.Background()
	keys := []string{"a:one", "a:two", "19:three@thread.tacv2", "create:29:four"}
	var wg sync.WaitGroup
	for _, key := range keys {
		for range 3 {
			wg.Go(func() {
				for range 25 {
					if err := p.Wait(ctx, key); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Go(func() {
		for range 40 {
			if err := p.Wait(ctx, ""); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()

	for _, key := range keys {
		if n := len(g.by[key]); n != 75 {
			t.Errorf("%s: %d calls granted, want 75", key, n)
		}
		for _, w := range DefaultPerConversation {
			if msg := exceeded(g.by[key], scaled(w, scale)); msg != "" {
				t.Errorf("%s: %s", key, msg)
			}
		}
	}
	if msg := exceeded(g.all, scaled(Window{N: 50, Per: time.Second}, scale)); msg != "" {
		t.Errorf("tenant: %s", msg)
	}
	if len(g.all) != 4*75+40 {
		t.Errorf("%d calls granted", len(g.all))
	}
}

// A caller whose context ends stops waiting, for its conversation's turn,
// its windows or the tenant's slot, and gives back the slot it held.
func TestPacerWaitersRespectCancel(t *testing.T) {
	p := NewPacer(Limits{PerConversation: []Window{{N: 1, Per: time.Hour}}, PerTenantPerSecond: 0.001}, nil)
	g := record(p)
	if err := p.Wait(context.Background(), "a:one"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 3)
	for _, key := range []string{"a:one", "a:one", "a:two"} {
		go func() { errs <- p.Wait(ctx, key) }()
	}
	cancel()
	for range 3 {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	}
	if len(g.all) != 1 {
		t.Errorf("%d slots granted, want 1", len(g.all))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.slots) != 1 {
		t.Errorf("the tenant's window holds %d slots, want the one spent", len(p.slots))
	}
}

// While the platform's pause lasts, nothing is granted; when it ends,
// calls go on.
func TestPacerPauseHoldsEverything(t *testing.T) {
	pause := &bot.Pause{}
	p := NewPacer(Limits{}, pause)
	if p.Pause() != pause {
		t.Fatal("the pacer does not wait on the pause it was given")
	}
	g := record(p)
	pause.Hold(time.Now().Add(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 4)
	for _, key := range []string{"a:one", "a:two", "create:29:x", ""} {
		go func() { errs <- p.Wait(ctx, key) }()
	}
	cancel()
	for range 4 {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("got %v during the pause", err)
		}
	}
	if len(g.all) != 0 {
		t.Errorf("%d calls granted during the pause", len(g.all))
	}

	pause = &bot.Pause{}
	p = NewPacer(Limits{}, pause)
	g = record(p)
	end := time.Now().Add(30 * time.Millisecond)
	pause.Hold(end)
	if err := p.Wait(context.Background(), "a:one"); err != nil {
		t.Fatal(err)
	}
	if len(g.all) != 1 || g.all[0].Before(end) {
		t.Errorf("granted %v, want one call after the pause ends at %v", g.all, end)
	}
}

// A round sends once to each of thousands of one-to-one conversations;
// the pacer forgets them once their calls no longer count.
func TestPacerForgetsIdleConversations(t *testing.T) {
	// An hour lasts 0.1 s here, so a conversation's calls stop counting
	// about 0.13 s after it.
	p := NewPacer(Limits{TimeScale: 36000, PerTenantPerSecond: 1e7}, nil)
	ctx := context.Background()
	for i := range 5000 {
		if err := p.Wait(ctx, fmt.Sprintf("a:%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	p.mu.Lock()
	n := len(p.convs)
	p.mu.Unlock()
	if n != 5000 {
		t.Fatalf("%d conversations kept while they count, want 5000", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		p.lastGC = time.Time{}
		p.mu.Unlock()
		if err := p.Wait(ctx, "a:next"); err != nil {
			t.Fatal(err)
		}
		p.mu.Lock()
		n = len(p.convs)
		p.mu.Unlock()
		if n <= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d conversations still kept", n)
		}
		runtimeYield()
	}
}

// runtimeYield lets the clock move on between looks at a condition.
func runtimeYield() {
	timer := time.NewTimer(5 * time.Millisecond)
	<-timer.C
}

// BenchmarkPacerWait is the pacer's own cost per call when no limit is
// near: a round's sends to distinct conversations from several workers.
func BenchmarkPacerWait(b *testing.B) {
	p := NewPacer(Limits{PerConversation: []Window{{N: 1 << 30, Per: time.Hour}}, PerTenantPerSecond: 1e9}, nil)
	ids := make([]string, 5000)
	for i := range ids {
		ids[i] = fmt.Sprintf("a:%d", i)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := p.Wait(ctx, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
