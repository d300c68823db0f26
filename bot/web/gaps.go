package web

import (
	"context"
	"net/http"

	"github.com/rapport-pcn/rapport/bot"
)

// gapsShown is how many learning gaps the page lists.
const gapsShown = 50

// GapReader is what the learning gaps page reads: bot.DirectoryStore's
// LearningGaps.
type GapReader interface {
	// LearningGaps returns up to limit topics that active members want
	// to learn and no active member offers, most wanted first.
	LearningGaps(ctx context.Context, limit int) ([]bot.LearningGap, error)
}

type gapsData struct {
	Gaps []bot.LearningGap
}

// gaps lists the topics members want to learn and nobody offers, for the
// training leads to plan teaching around.
func (s *Server) gaps(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	d := gapsData{}
	if s.o.Gaps != nil {
		gs, err := s.o.Gaps.LearningGaps(r.Context(), gapsShown)
		if err != nil {
			s.failed(w, sess, "read the learning gaps", err)
			return
		}
		d.Gaps = gs
	}
	s.pages.render(w, http.StatusOK, "gaps", view{Title: "Learning gaps", Nav: "/admin/gaps", Session: sess, Data: d})
}
