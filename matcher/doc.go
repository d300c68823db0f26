// Package matcher decides who meets whom in a round of introductions. It is
// pure (no I/O, no clock, no global randomness) and uses the standard
// library only.
//
// # Using it
//
// The bot first picks the members who take part, with Eligible:
//
//	ok, why := matcher.Eligible(matcher.Eligibility{Frequency: "fortnightly", LastIntro: &last}, roundDate)
//
// then calls Match with their profiles, the pairing history and the blocks:
//
//	res, err := matcher.Match(matcher.Input{Round: 42, Members: members, History: past,
//		NotAGoodMatch: blocks, LastLeftOut: leftOut, LastInTrio: trio}, matcher.Options{Seed: 42})
//
// Each Group in the result is a pair, or a trio when someone would
// otherwise be left out, with a score and its reasons as data (shared
// interests, an offer that meets an ask, different sectors, …) naming
// people by first name, for the bot to word ("Both are interested in
// frailty; Sam can help with QI, which Priya wants to learn."). Members the hard rules
// leave without any group are listed in Result.Unmatched with a reason, so
// nobody is left out silently.
//
// Codes are the bot's own: sector such as "gp_practice" or
// "community_pharmacy"; career stage "in_training", "first_five",
// "established" or "senior"; mentoring "mentor", "mentee" or "neither";
// meeting "in_person", "video" or "either"; frequency "weekly",
// "fortnightly" or "monthly".
//
// # Rules
//
// Hard rules are never broken: no two people from one organisation
// (by Member.OrganisationKey, which the caller computes so that every
// spelling of one organisation shares it; without a key, the names
// compared ignoring case and spacing), no blocked pair, no pair introduced
// within the last Options.RepeatWindow rounds (default 12). The last rule
// alone is relaxed when a member would otherwise have no partner at all:
// for that member only, oldest introduction first, and the group's
// RelaxedRepeat flag and its reasons say so. Any earlier introduction
// counts as a repeat, whether or not the pair said they met.
//
// Then, in order: as many people as possible are matched; among equally
// large matchings, those left out or put in a trio the most over recent
// rounds (Input.Sidelined, and the last round's LastLeftOut and
// LastInTrio) are kept in pairs, so whoever is left out or in a trio has
// had the fewest such turns; then the total score is maximised. Scores come from Weights (DefaultWeights when zero), in
// one place: an offer that meets the other's ask (more when both ways), a
// different sector, shared interests (diminishing), mentoring across career
// stages, compatible meeting preferences, and never having been introduced.
//
// Fairness is not a weight: a bonus attached to a person adds the same to
// every matching that includes them, so it is expressed as who may be left
// out. Internally it is a bonus larger than any total score, which makes
// the order above lexicographic.
//
// # How it is solved
//
// Rounds of up to Options.ExactLimit members (default 2,500) use the exact
// solver, MaxWeightMatching: Edmonds' blossom algorithm in the primal-dual
// form of Galil's 1986 survey, in max-cardinality mode, on integer
// weights. Every allowed pair is scored (in parallel), then thinned by a
// greedy b-matching (each member keeps at most 20 pairs, ties shuffled so
// no member fills up first). After solving, every allowed pair is priced
// against the solver's duals and any pair that could improve the result
// is added and the graph solved again. Up to Options.FullGraphLimit
// members (default 1,000) this repeats until no pair can improve it, which
// proves the result optimal over every allowed pair (Result.Exact, Method
// "exact"); above that one round is made (Method "sparse-exact"), which
// measured 99.9 to 99.99% of the proven optimum at 2,000 members. The
// exact path grows steeply past that (about 2 s of CPU at 3,000 members and
// 3.5 s at 4,000, against 0.2 s for the scalable path at 5,000), hence the
// default limit.
//
// Larger rounds take the scalable path (Method "scalable"). Members live
// in flat arrays with interned tags, and what scoring a pair reads of a
// member sits in one cache line, so scoring is a few merges of short sorted
// runs and no map look-ups. Each member draws candidate partners at random
// from those who offer what they ask, ask what they offer, share an
// interest or complement their mentoring wish, plus a few random members of
// other organisations; drawing rather than taking each member's top few
// stops popular members soaking up everyone's list. A greedy matching on
// that graph is improved by short augmenting paths (to match as many as
// possible), by swaps of partners between two pairs (the old partners' pair
// is scored on the spot, as a sparse graph rarely holds it), and by exact
// re-solves of clusters of 128 members over the allowed pairs inside them
// that could take part in an improvement. Because those re-solves also use
// pairs outside the candidate graph, the result can beat the exact optimum
// of that graph: on synthetic networks it measured 100.5 to 100.9% of it at
// 1,500 and 3,000 members, 99.96% at 20,000 and 100.02% at 100,000 (where
// the exact solve takes 18 minutes), and 98.5% of the optimum of the graph
// plus every pair the search scored and kept (see TestScalableQuality;
// `matchbench quality` measures any size).
//
// Finally, a leftover member joins the pair where they fit best as a
// trio, respecting the hard rules with both, preferring pairs whose members
// have had the fewest recent turns left out or in a trio; leftovers with
// the most turns choose first.
//
// Everything random comes from Options.Seed: the same input and seed give
// the same result.
package matcher
