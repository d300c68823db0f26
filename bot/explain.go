package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/matcher"
)

// The words of the matcher's reasons: why it put people together (the
// sentence stored with the intro), why it left someone out and why someone
// does not take part in a round (for admins). The matcher gives them as
// data; this file words them.

// reasonsSaid is how many reasons an explanation gives at most.
const reasonsSaid = 4

// explain words why the matcher put a group together, in one sentence:
// "Both are interested in frailty; Sam can help with QI, which Priya wants
// to learn." A trio's explanation then says who joined the pair.
func explain(g matcher.Group) string {
	trio := len(g.Members) == 3
	var clauses []string
	joined := ""
	for _, r := range g.Why {
		if r.Kind == matcher.ReasonJoined {
			if len(r.Names) > 0 {
				joined = fmt.Sprintf(" %s joins to make a group of three, so nobody is left out.", r.Names[0])
			}
			continue
		}
		if len(clauses) == reasonsSaid {
			continue
		}
		if c := reasonClause(r, trio, len(clauses) == 0); c != "" {
			clauses = append(clauses, c)
		}
	}
	out := ""
	if len(clauses) > 0 {
		out = strings.Join(clauses, "; ") + "."
	}
	return out + joined
}

// reasonClause words one reason. In a pair what both share is said of
// "both" ("Both" to start the sentence); in a trio the people are named,
// since "both" would not say which two. An unknown kind says nothing.
func reasonClause(r matcher.Reason, trio, first bool) string {
	name := func(i int) string {
		if i < len(r.Names) {
			return r.Names[i]
		}
		return "someone"
	}
	// together is who shares the reason, as the subject of "are …" (are)
	// or of a verb ("like to meet").
	together := func(are bool) string {
		verb := ""
		if are {
			verb = " are"
		}
		switch {
		case !trio && first:
			return "Both" + verb
		case !trio:
			return "both" + verb
		case len(r.Names) > 2:
			return AndNames(r.Names) + verb + " all"
		}
		return name(0) + " and " + name(1) + verb + " both"
	}
	switch r.Kind {
	case matcher.ReasonRepeat:
		return fmt.Sprintf("%s and %s were introduced in round %d, but nobody else was free to meet them this time", name(0), name(1), r.Round)
	case matcher.ReasonInterests:
		return together(true) + " interested in " + topicList(r.Topics)
	case matcher.ReasonOfferAsk:
		return fmt.Sprintf("%s can help with %s, which %s wants to learn", name(0), topicList(r.Topics), name(1))
	case matcher.ReasonMentor:
		return fmt.Sprintf("%s is happy to mentor and %s is looking for a mentor", name(0), name(1))
	case matcher.ReasonSectors:
		if len(r.Sectors) < 2 {
			return ""
		}
		return fmt.Sprintf("%s brings a view from %s and %s from %s", name(0), sectorPhrase(r.Sectors[0]), name(1), sectorPhrase(r.Sectors[1]))
	case matcher.ReasonInPerson:
		return together(false) + " like to meet in person"
	case matcher.ReasonVideo:
		return together(false) + " prefer a video call"
	case matcher.ReasonFirstMeeting:
		if trio {
			return "Three people from different organisations who have not been introduced yet"
		}
		return fmt.Sprintf("%s and %s work at different organisations and have not been introduced yet", name(0), name(1))
	}
	return ""
}

// topicList names topics for the middle of a sentence: "QI", "QI and
// frailty", "QI, frailty and cycling".
func topicList(topics []string) string {
	words := make([]string, len(topics))
	for i, t := range topics {
		words[i] = lowerTopic(t)
	}
	return AndNames(words)
}

// sectorPhrases are the sector codes as words after "a view from"; other
// codes are shown with underscores as spaces.
var sectorPhrases = map[string]string{
	"gp_practice":        "general practice",
	"community_pharmacy": "community pharmacy",
	"pcn_team":           "the PCN team",
	"hospital":           "hospital services",
	"community_services": "community services",
	"mental_health":      "mental health",
	"social_care":        "social care",
	"education_training": "education and training",
	"education":          "education and training",
	"housing":            "housing",
	"voluntary_sector":   "the voluntary sector",
	"voluntary":          "the voluntary sector",
	"local_authority":    "the local authority and public health",
	"public_health":      "public health",
	"other":              "another sector",
}

func sectorPhrase(code string) string {
	if s, ok := sectorPhrases[code]; ok {
		return s
	}
	return strings.ReplaceAll(strings.TrimSpace(code), "_", " ")
}

// unmatchedReason words why the matcher left a member out, for admins.
func unmatchedReason(u matcher.Unmatched) string {
	switch u.Why {
	case matcher.UnmatchedAlone:
		return fmt.Sprintf("%s was the only member in this round.", u.Name)
	case matcher.UnmatchedColleagues:
		return fmt.Sprintf("Everyone else in this round is from %s, and colleagues are never paired.", u.Organisation)
	case matcher.UnmatchedBlocked:
		return fmt.Sprintf("Every possible partner for %s from another organisation is on a do-not-pair list.", u.Name)
	}
	return fmt.Sprintf("Everyone %s could meet was already paired, and no pair could take a third without breaking a rule (same organisation or do-not-pair).", u.Name)
}

// skipReason words why a member does not take part in a round, for the
// member or an admin; dates are in loc.
func skipReason(s matcher.Skip, loc *time.Location) string {
	switch s.Kind {
	case matcher.SkipUnknownFrequency:
		return fmt.Sprintf("Unknown frequency %q.", s.Frequency)
	case matcher.SkipPaused:
		return "Paused until they resume."
	case matcher.SkipPausedUntil:
		return fmt.Sprintf("Paused until %s.", day(s.Until, loc))
	case matcher.SkipTooSoon:
		return fmt.Sprintf("Introduced on %s and asked for %s introductions.", s.Made.In(loc).Format("Monday 2 January"), s.Frequency)
	}
	return ""
}

// PartnerLeftReason is why, for admins, a member was left out of a round
// whose intro was called off because their partner left before it was
// sent.
const PartnerLeftReason = "Their partner left before the introduction was sent."
