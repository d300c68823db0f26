package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rapport-pcn/rapport/matcher"
	"github.com/rapport-pcn/rapport/matcher/synth"
)

// roundStats is one row of the simulate table.
type roundStats struct {
	round, members          int
	elapsed, cpu            time.Duration
	allocMB                 float64
	pairs, trios, unmatched int
	crossSector, offerAsk   float64 // shares of groups
	repeats, sameOrg        int     // pairs introduced within the window; pairs from one organisation
	ratio                   float64 // to the exact optimum over every allowed pair; 0 when not computed
	method                  string
}

// world is one line of history: the matcher's, or the baseline's.
type world struct {
	history    []matcher.Meeting
	lastIntro  map[string]time.Time
	lastLeft   []string
	lastInTrio []string
}

func newWorld(net *synth.Network) *world {
	w := &world{history: append([]matcher.Meeting(nil), net.History...), lastIntro: map[string]time.Time{}}
	for _, m := range net.History {
		d := net.RoundDate(m.Round)
		w.lastIntro[m.A], w.lastIntro[m.B] = d, d
	}
	return w
}

func (w *world) eligible(net *synth.Network, round int, everyone bool) []matcher.Member {
	date := net.RoundDate(round)
	var out []matcher.Member
	for _, p := range net.People {
		if everyone {
			out = append(out, p.Member)
			continue
		}
		e := matcher.Eligibility{Frequency: p.Frequency, PausedUntil: p.PausedUntil, PausedIndefinitely: p.PausedIndefinitely}
		if t, ok := w.lastIntro[p.ID]; ok {
			e.LastIntro = &t
		}
		if ok, _ := matcher.Eligible(e, date); ok {
			out = append(out, p.Member)
		}
	}
	return out
}

// record feeds a round's groups back as history; about 60% say they met.
func (w *world) record(net *synth.Network, round int, groups [][]string, unmatched []string, rng *rand.Rand) {
	date := net.RoundDate(round)
	w.lastInTrio = nil
	for _, g := range groups {
		for i := range g {
			w.lastIntro[g[i]] = date
			for j := i + 1; j < len(g); j++ {
				w.history = append(w.history, matcher.Meeting{A: g[i], B: g[j], Round: round, Met: rng.Float64() < 0.6})
			}
		}
		if len(g) == 3 {
			w.lastInTrio = append(w.lastInTrio, g...)
		}
	}
	w.lastLeft = unmatched
}

func simulate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate", stderr)
	members := fs.Int("members", 2000, "number of people in the network")
	rounds := fs.Int("rounds", 12, "weekly rounds to run")
	seed := fs.Uint64("seed", 1, "random seed")
	exactCheck := fs.Int("exact-check", 2500, "largest round also solved exactly over every allowed pair, for the ratio")
	everyone := fs.Bool("everyone", false, "put everyone in every round, ignoring frequency and pauses, so a round has --members people")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *members < 0 || *rounds < 0 {
		return fmt.Errorf("--members and --rounds must not be negative")
	}
	rows, base, err := runSimulation(*members, *rounds, *seed, *exactCheck, *everyone)
	if err != nil {
		return err
	}
	printTable(stdout, rows, base)
	return nil
}

func runSimulation(members, rounds int, seed uint64, exactCheck int, everyone bool) ([]roundStats, []roundStats, error) {
	net := synth.Generate(members, seed)
	people := map[string]*matcher.Member{}
	for i := range net.People {
		people[net.People[i].ID] = &net.People[i].Member
	}
	ours, shuffled := newWorld(net), newWorld(net)
	metRng := rand.New(rand.NewPCG(seed, 7))
	baseRng := rand.New(rand.NewPCG(seed, 11))
	var rows, base []roundStats
	for k := 0; k < rounds; k++ {
		round := net.Round + k

		in := matcher.Input{Round: round, Members: ours.eligible(net, round, everyone), History: ours.history,
			NotAGoodMatch: net.NotAGoodMatch, LastLeftOut: ours.lastLeft, LastInTrio: ours.lastInTrio}
		opt := matcher.Options{Seed: int64(seed)*1000 + int64(round)}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start, cpu0 := time.Now(), cpuTime()
		res, err := matcher.Match(in, opt)
		elapsed, cpu := time.Since(start), cpuTime()-cpu0
		runtime.ReadMemStats(&after)
		if err != nil {
			return nil, nil, err
		}
		var groups [][]string
		for _, g := range res.Groups {
			groups = append(groups, g.Members)
		}
		var unmatched []string
		for _, u := range res.Unmatched {
			unmatched = append(unmatched, u.ID)
		}
		st := measure(people, ours.history, round, groups, len(unmatched))
		st.round, st.members, st.elapsed, st.cpu, st.method = round, len(in.Members), elapsed, cpu, res.Method
		st.allocMB = float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20)
		if len(in.Members) <= exactCheck && len(in.Members) > 1 {
			full, err := matcher.Match(in, matcher.Options{Seed: opt.Seed, ExactLimit: len(in.Members), FullGraphLimit: len(in.Members)})
			if err != nil {
				return nil, nil, err
			}
			if full.Exact && full.MatchingScore > 0 {
				st.ratio = float64(res.MatchingScore) / float64(full.MatchingScore)
			}
		}
		rows = append(rows, st)
		ours.record(net, round, groups, unmatched, metRng)

		// The baseline: shuffle and pair neighbours, a trio at the end.
		elig := shuffled.eligible(net, round, everyone)
		start = time.Now()
		baseRng.Shuffle(len(elig), func(a, b int) { elig[a], elig[b] = elig[b], elig[a] })
		var bgroups [][]string
		for i := 0; i+1 < len(elig); i += 2 {
			bgroups = append(bgroups, []string{elig[i].ID, elig[i+1].ID})
		}
		bunmatched := 0
		if len(elig)%2 == 1 {
			if len(bgroups) > 0 {
				last := &bgroups[len(bgroups)-1]
				*last = append(*last, elig[len(elig)-1].ID)
			} else {
				bunmatched = 1
			}
		}
		belapsed := time.Since(start)
		bst := measure(people, shuffled.history, round, bgroups, bunmatched)
		bst.round, bst.members, bst.elapsed = round, len(elig), belapsed
		base = append(base, bst)
		shuffled.record(net, round, bgroups, nil, metRng)
	}
	return rows, base, nil
}

// measure computes a round's shares and rule counts from the profiles.
func measure(people map[string]*matcher.Member, history []matcher.Meeting, round int, groups [][]string, unmatched int) roundStats {
	recent := map[[2]string]bool{}
	for _, m := range history {
		if round-m.Round <= matcher.DefaultRepeatWindow {
			recent[key(m.A, m.B)] = true
		}
	}
	st := roundStats{unmatched: unmatched}
	cross, offer := 0, 0
	for _, g := range groups {
		if len(g) == 3 {
			st.trios++
		} else {
			st.pairs++
		}
		sectors := map[string]bool{}
		hasOffer := false
		for i, a := range g {
			sectors[people[a].Sector] = true
			for j, b := range g {
				if i == j {
					continue
				}
				if meets(people[a].Offers, people[b].Asks) {
					hasOffer = true
				}
				if i < j {
					if recent[key(a, b)] {
						st.repeats++
					}
					if norm(people[a].Organisation) == norm(people[b].Organisation) {
						st.sameOrg++
					}
				}
			}
		}
		if len(sectors) > 1 {
			cross++
		}
		if hasOffer {
			offer++
		}
	}
	if n := len(groups); n > 0 {
		st.crossSector = float64(cross) / float64(n)
		st.offerAsk = float64(offer) / float64(n)
	}
	return st
}

func key(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

func norm(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

func meets(offers, asks []string) bool {
	for _, o := range offers {
		for _, a := range asks {
			if norm(o) == norm(a) {
				return true
			}
		}
	}
	return false
}

func printTable(w io.Writer, rows, base []roundStats) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tRapport\t\t\t\t\t\t\t\t\t\t\t\t\t|\trandom shuffle\t\t\t\t\t\t\t")
	fmt.Fprintln(tw, "round\tmembers\tmethod\tms\tcpu ms\talloc MB\tpairs\ttrios\tunmatched\tcross-sector\toffer-ask\trepeats\tsame-org\tvs exact\t|\tms\tpairs\ttrios\tcross-sector\toffer-ask\trepeats\tsame-org\t")
	var sum, bsum roundStats
	for i, r := range rows {
		b := base[i]
		ratio := "-"
		if r.ratio > 0 {
			ratio = fmt.Sprintf("%.4f", r.ratio)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%.0f\t%.0f\t%.0f\t%d\t%d\t%d\t%.1f%%\t%.1f%%\t%d\t%d\t%s\t|\t%.1f\t%d\t%d\t%.1f%%\t%.1f%%\t%d\t%d\t\n",
			r.round, r.members, r.method, ms(r.elapsed), ms(r.cpu), r.allocMB, r.pairs, r.trios, r.unmatched,
			100*r.crossSector, 100*r.offerAsk, r.repeats, r.sameOrg, ratio,
			ms(b.elapsed), b.pairs, b.trios, 100*b.crossSector, 100*b.offerAsk, b.repeats, b.sameOrg)
		sum.elapsed += r.elapsed
		sum.cpu += r.cpu
		sum.allocMB = max(sum.allocMB, r.allocMB)
		sum.crossSector += r.crossSector / float64(len(rows))
		sum.offerAsk += r.offerAsk / float64(len(rows))
		sum.repeats += r.repeats
		sum.sameOrg += r.sameOrg
		sum.unmatched += r.unmatched
		if r.ratio > 0 && (sum.ratio == 0 || r.ratio < sum.ratio) {
			sum.ratio = r.ratio
		}
		bsum.crossSector += b.crossSector / float64(len(rows))
		bsum.offerAsk += b.offerAsk / float64(len(rows))
		bsum.repeats += b.repeats
		bsum.sameOrg += b.sameOrg
	}
	if len(rows) > 0 {
		ratio := "-"
		if sum.ratio > 0 {
			ratio = fmt.Sprintf("min %.4f", sum.ratio)
		}
		fmt.Fprintf(tw, "all\t\t\tmean %.0f\tmean %.0f\tmax %.0f\t\t\t%d\t%.1f%%\t%.1f%%\t%d\t%d\t%s\t|\t\t\t\t%.1f%%\t%.1f%%\t%d\t%d\t\n",
			ms(sum.elapsed)/float64(len(rows)), ms(sum.cpu)/float64(len(rows)), sum.allocMB, sum.unmatched, 100*sum.crossSector, 100*sum.offerAsk,
			sum.repeats, sum.sameOrg, ratio, 100*bsum.crossSector, 100*bsum.offerAsk, bsum.repeats, bsum.sameOrg)
	}
	tw.Flush()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
