// Package synth generates synthetic networks shaped like a real Primary Care
// Network's, for benchmarks and simulations of the matcher: organisations of
// skewed sizes (many small practices, a few large organisations), sectors,
// roles and career stages in realistic shares, Zipf-distributed interests,
// offers and asks, introduction frequencies, pauses, blocks and history.
// The same size and seed always give the same network.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/rapport-pcn/rapport/matcher"
)

// Person is a member's profile plus what decides their eligibility.
type Person struct {
	matcher.Member
	Frequency          string     `json:"frequency"`
	PausedUntil        *time.Time `json:"paused_until,omitempty"`
	PausedIndefinitely bool       `json:"paused_indefinitely,omitempty"`
}

// Network is a synthetic network at the start of round Round, held on
// Start plus a week per round.
type Network struct {
	Seed          uint64            `json:"seed"`
	Start         time.Time         `json:"start"`
	Round         int               `json:"round"`
	People        []Person          `json:"people"`
	History       []matcher.Meeting `json:"history"`
	NotAGoodMatch [][2]string       `json:"blocks"`
}

// RoundDate is when round r is held: Mondays at 09:00 UTC from Start.
func (n *Network) RoundDate(r int) time.Time {
	return n.Start.AddDate(0, 0, 7*r)
}

type share struct {
	code string
	p    float64
}

func pick(r *rand.Rand, shares []share) string {
	x := r.Float64()
	for _, s := range shares {
		if x < s.p {
			return s.code
		}
		x -= s.p
	}
	return shares[len(shares)-1].code
}

var sectors = []share{
	{"gp_practice", 0.55}, {"community_pharmacy", 0.08}, {"hospital", 0.08},
	{"community_services", 0.06}, {"mental_health", 0.05}, {"social_care", 0.05},
	{"education", 0.04}, {"voluntary", 0.04}, {"housing", 0.03}, {"local_authority", 0.01},
	{"public_health", 0.01},
}

var gpRoles = []share{
	{"gp_partner", 0.12}, {"salaried_gp", 0.14}, {"locum_gp", 0.05}, {"gp_trainee", 0.08},
	{"practice_manager", 0.07}, {"practice_nurse", 0.12}, {"nurse_practitioner", 0.04},
	{"clinical_pharmacist", 0.05}, {"social_prescriber", 0.04}, {"physician_associate", 0.03},
	{"paramedic", 0.02}, {"physiotherapist", 0.03}, {"care_coordinator", 0.05},
	{"reception_admin", 0.16},
}

var otherRoles = map[string][]string{
	"community_pharmacy": {"pharmacist", "pharmacy_technician"},
	"hospital":           {"consultant", "registrar", "ward_sister", "sonographer", "nurse"},
	"community_services": {"district_nurse", "therapist", "health_visitor"},
	"mental_health":      {"psychiatrist", "mental_health_nurse", "psychologist"},
	"social_care":        {"social_worker", "care_manager"},
	"education":          {"teacher", "training_lead", "school_nurse"},
	"voluntary":          {"project_lead", "volunteer_coordinator"},
	"housing":            {"housing_officer", "support_worker"},
	"local_authority":    {"officer", "commissioner"},
	"public_health":      {"public_health_consultant", "analyst"},
}

var stages = []share{{"in_training", 0.15}, {"first_five", 0.2}, {"established", 0.45}, {"senior", 0.2}}

var knownTags = []string{
	"QI", "frailty", "diabetes", "leadership", "mental health", "cycling", "running",
	"dermatology", "minor surgery", "teaching", "research", "social prescribing",
	"population health", "prescribing", "asthma", "COPD", "women's health",
	"child health", "end of life care", "digital tools", "wellbeing", "walking",
	"line dancing", "gardening", "cooking", "book club", "music", "football",
	"climbing", "photography", "musculoskeletal", "cardiology", "safeguarding",
	"appraisal", "finance", "HR", "estates", "coding and audit", "medicines optimisation",
	"long COVID", "learning disabilities", "homelessness", "housing support",
	"care homes", "palliative care", "ultrasound", "cannulation", "spirometry",
	"contraception", "menopause", "sexual health", "addiction", "weight management",
	"health inequalities", "translation services", "PCN strategy", "ARRS roles",
	"rota planning", "complaints", "CQC inspection",
}

func tagName(i int) string {
	if i < len(knownTags) {
		return knownTags[i]
	}
	return fmt.Sprintf("topic %d", i)
}

var firstNames = []string{
	"Sam", "Priya", "Alex", "Chidi", "Fatima", "Tom", "Aisha", "James", "Mei", "Olu",
	"Rhiannon", "Hamish", "Siobhan", "Ravi", "Grace", "Imran", "Niamh", "Kwame", "Zara",
	"Ben", "Harriet", "Yusuf", "Ellie", "Dev", "Ruth", "Tariq", "Lucy", "Marek", "Anya", "Owen",
}

var surnames = []string{
	"Patel", "Smith", "Jones", "Okafor", "Khan", "Williams", "Brown", "Chen", "Taylor",
	"Davies", "Evans", "Ahmed", "Murphy", "Singh", "Wilson", "Walker", "Hughes", "Nowak",
}

// Generate builds a network of n people from seed, with a few rounds of
// past history already in place.
func Generate(n int, seed uint64) *Network {
	r := rand.New(rand.NewPCG(seed, 0x5ca1ab1e))
	net := &Network{
		Seed:  seed,
		Start: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC),
	}

	// Organisation sizes: many small practices, a few large trusts. Zipf
	// over organisations with a flattened head keeps the largest near 3%.
	nOrgs := max(2, n/12)
	orgZipf := rand.NewZipf(r, 1.1, 40, uint64(nOrgs-1))
	orgSector := make([]string, nOrgs)
	orgName := make([]string, nOrgs)
	for o := range orgSector {
		orgSector[o] = pick(r, sectors)
		orgName[o] = fmt.Sprintf("%s %d", orgKind(orgSector[o]), o+1)
	}
	// Shuffle which organisation ids are large, so size does not follow
	// sector order.
	orgOf := r.Perm(nOrgs)

	vocab := max(60, int(40*math.Log(float64(n+1))))
	interestZipf := rand.NewZipf(r, 1.2, 3, uint64(vocab-1))
	offerZipf := rand.NewZipf(r, 1.3, 2, uint64(vocab-1))
	// Asks follow a different ranking: what people want to learn is not
	// what most people can teach.
	askShift := vocab / 7
	tags := func(z *rand.Zipf, k, shift int) []string {
		var out []string
		seen := map[int]bool{}
		for len(out) < k {
			t := (int(z.Uint64()) + shift) % vocab
			if !seen[t] {
				seen[t] = true
				out = append(out, tagName(t))
			}
		}
		return out
	}

	net.People = make([]Person, n)
	for i := range net.People {
		o := orgOf[int(orgZipf.Uint64())]
		sector := orgSector[o]
		var role string
		if sector == "gp_practice" {
			role = pick(r, gpRoles)
		} else {
			rs := otherRoles[sector]
			role = rs[r.IntN(len(rs))]
		}
		stage := pick(r, stages)
		if role == "gp_trainee" || role == "registrar" {
			stage = "in_training"
		}
		mentoring := "neither"
		switch {
		case (stage == "senior" || stage == "established") && r.Float64() < 0.3:
			mentoring = "mentor"
		case (stage == "in_training" || stage == "first_five") && r.Float64() < 0.35:
			mentoring = "mentee"
		}
		p := Person{
			Member: matcher.Member{
				ID:           fmt.Sprintf("m%06d", i),
				Name:         firstNames[r.IntN(len(firstNames))] + " " + surnames[r.IntN(len(surnames))],
				Organisation: orgName[o],
				Sector:       sector,
				Role:         role,
				CareerStage:  stage,
				Interests:    tags(interestZipf, 2+r.IntN(5), 0),
				Offers:       tags(offerZipf, r.IntN(4), 0),
				Asks:         tags(offerZipf, r.IntN(4), askShift),
				Mentoring:    mentoring,
				Meeting:      pick(r, []share{{"either", 0.5}, {"in_person", 0.3}, {"video", 0.2}}),
			},
			Frequency: pick(r, []share{{"weekly", 0.4}, {"fortnightly", 0.35}, {"monthly", 0.25}}),
		}
		switch x := r.Float64(); {
		case x < 0.02:
			p.PausedIndefinitely = true
		case x < 0.07:
			until := net.RoundDate(1 + r.IntN(10))
			p.PausedUntil = &until
		}
		net.People[i] = p
	}

	// NotAGoodMatch: a few people ask never to meet someone.
	for range n / 200 {
		a, b := r.IntN(n), r.IntN(n)
		if a != b {
			net.NotAGoodMatch = append(net.NotAGoodMatch, [2]string{net.People[a].ID, net.People[b].ID})
		}
	}

	// History: four past rounds of random cross-organisation pairs, about
	// half of which met.
	const past = 4
	for round := 1; round <= past; round++ {
		perm := r.Perm(n)
		for k := 0; k+1 < len(perm); k += 2 {
			a, b := net.People[perm[k]], net.People[perm[k+1]]
			if a.Organisation == b.Organisation || r.Float64() < 0.4 {
				continue
			}
			net.History = append(net.History, matcher.Meeting{A: a.ID, B: b.ID, Round: round, Met: r.Float64() < 0.55})
		}
	}
	net.Round = past + 1
	return net
}

func orgKind(sector string) string {
	switch sector {
	case "gp_practice":
		return "Surgery"
	case "community_pharmacy":
		return "Pharmacy"
	case "hospital":
		return "Hospital Trust"
	case "education":
		return "School"
	default:
		return "Organisation"
	}
}
