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
//		Blocks: blocks, LastLeftOut: leftOut, LastInTrio: trio}, matcher.Options{Seed: 42})
//
// Each Group in the result is a pair, or a trio when someone would
// otherwise be left out, with a score, reasons and a one-sentence
// explanation that uses first names ("Both are interested in frailty; Sam
// can help with QI, which Priya wants to learn."). Members the hard rules
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
// (compared ignoring case and spacing), no blocked pair, no pair introduced
// within the last Options.RepeatWindow rounds (default 12). The last rule
// alone is relaxed when a member would otherwise have no partner at all:
// for that member only, oldest introduction first, and the group's
// RelaxedRepeat flag and explanation say so. Any earlier introduction
// counts as a repeat, whether or not the pair said they met.
//
// Then, in order: as many people as possible are matched; among equally
// large matchings, nobody who was left out or in a trio last round is left
// out or put in a trio again when it can be avoided; then the total score
// is maximised. Scores come from Weights (DefaultWeights when zero), in
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
// Rounds of up to Options.ExactLimit members (default 4,000) are solved
// exactly by MaxWeightMatching, Edmonds' blossom algorithm in the
// primal-dual form of Galil's 1986 survey, in max-cardinality mode. Up to
// Options.FullGraphLimit members (default 400) every allowed pair is given
// to it and the result is optimal (Result.Exact). Above that the pairs are
// first thinned by a greedy b-matching, each member keeping at most 32 of
// their best pairs; this keeps the solver under a second at 2,000 members
// and measured at 99.9% or more of the full optimum (see the tests).
//
// Larger rounds take the scalable path. Each member draws candidate
// partners at random from those who offer what they ask, ask what they
// offer, share an interest or complement their mentoring wish, plus a few
// random members of other organisations; drawing rather than taking each
// member's top few stops popular members soaking up everyone's list.
// Members live in flat arrays with interned tags, so scoring a candidate is
// a few merges of short sorted runs. A greedy matching on the candidate
// graph is then improved by short augmenting paths (to match as many as
// possible) and local search (swapping partners between two pairs) until
// nothing improves. It reaches at least 99% of the exact optimum of the
// same candidate graph (see the tests and cmd/matchbench).
//
// Finally, a leftover member joins the pair where they fit best as a
// trio, respecting the hard rules with both, preferring pairs whose members
// were not left out or in a trio last round.
//
// Everything random comes from Options.Seed: the same input and seed give
// the same result.
package matcher
