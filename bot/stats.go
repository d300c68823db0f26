package bot

import "context"

// Stats are the network's figures for admins.
type Stats struct {
	Active, Paused, Inactive int
	Rounds, Intros           int
	// CrossOrganisation and CrossSector are shares (0 to 1) of intros whose
	// members all come from different organisations, or sectors.
	CrossOrganisation, CrossSector float64
	// MetRate is the share of delivered intros in which someone said they
	// met.
	MetRate float64
	// ArrangedRate is the share of delivered intros in which someone said
	// they had arranged to meet and nobody has said yet that they met.
	ArrangedRate float64
	// Recent are the latest rounds, newest first.
	Recent []RoundStats
	// Gaps are the topics members most want to learn that nobody offers.
	Gaps []LearningGap
}

// statsGaps is how many learning gaps the figures show.
const statsGaps = 10

// RoundStats are one round's figures. Met counts delivered intros in which
// someone said they met; Arranged those in which someone had only arranged
// to.
type RoundStats struct {
	Round
	Trios, Delivered, Failed, Met, Arranged int
}

// statsRounds is how many of the latest rounds the figures show side by
// side.
const statsRounds = 4

// Stats returns the network's figures, with the latest rounds side by side.
// Only admins may see them: Chat checks, before asking.
func (r *Rounds) Stats(ctx context.Context) (*Stats, error) {
	return r.Store.RoundStats(ctx, r.now(), statsRounds)
}
