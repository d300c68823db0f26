package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rapport-pcn/rapport/bot"
)

// The demo network's people. Each is made from their organisation, a role
// that organisation has and a persona for that role: what someone in it
// plausibly offers and wants to learn, at which career stages, and how
// they describe themselves. So the demo's introductions read as ones a
// real PCN would get, and the story it tells is true to the product.

// demoOrg is an organisation of the demo network and the roles its
// members hold, in the order people join.
type demoOrg struct {
	name, sector string
	roles        []string
}

var demoOrgs = []demoOrg{
	{"Riverside Surgery", "gp_practice", []string{"gp_partner", "gp_trainee", "practice_nurse", "practice_manager", "reception_admin", "healthcare_assistant", "salaried_gp"}},
	{"Hillview Medical Centre", "gp_practice", []string{"gp_partner", "nurse_practitioner", "gp_trainee", "practice_manager", "physician_associate", "locum_gp", "nursing_associate"}},
	{"Brook Lane Practice", "gp_practice", []string{"salaried_gp", "practice_nurse", "gp_trainee", "advanced_clinical_practitioner", "gp_assistant", "practice_admin"}},
	{"Parkside Surgery", "gp_practice", []string{"gp_partner", "practice_manager", "gp_trainee", "practice_nurse", "reception_admin", "salaried_gp"}},
	{"Northfield PCN Team", "pcn_team", []string{"clinical_director", "clinical_pharmacist", "social_prescriber", "paramedic", "physiotherapist", "care_coordinator", "health_wellbeing_coach", "pcn_manager", "pharmacy_technician", "digital_transformation_lead", "dietitian"}},
	{"Northfield Pharmacy", "community_pharmacy", []string{"community_pharmacist", "pharmacy_technician"}},
	{"Eastgate Housing Association", "housing", []string{"other"}},
	{"Oak Tree Primary School", "education_training", []string{"other"}},
	{"Age Well Northfield", "voluntary_sector", []string{"other"}},
	{"Northfield Community Mental Health Team", "mental_health", []string{"mental_health_practitioner", "occupational_therapist", "podiatrist"}},
}

// demoPersona is what someone in a role offers and asks, from the bot's
// topic vocabulary, the career stages they are at, and the first half of
// their one-line bio.
type demoPersona struct {
	offers, asks, stages, bios []string
}

// demoPersonas are by role code; "other" is by sector instead
// ("other:housing"), since what a partner offers depends on where they
// work. No persona asks for what it offers: the form refuses that.
var demoPersonas = map[string]demoPersona{
	"gp_partner": {[]string{"Leadership", "Finance and contracts", "Minor surgery"}, []string{"Digital and IT", "Population health"},
		[]string{"senior", "established"}, []string{"Partner and frailty lead", "Partner, leads on the practice's contract", "Partner with a minor surgery list"}},
	"salaried_gp": {[]string{"Women's health", "Dermatology", "Teaching and training"}, []string{"Leadership", "Finance and contracts"},
		[]string{"first_five", "established"}, []string{"Salaried GP with a dermatology interest", "Salaried GP, runs the coil clinic", "Salaried GP and trainer in waiting"}},
	"locum_gp": {[]string{"Access and appointments", "Sexual health"}, []string{"Workforce and recruitment", "Leadership"},
		[]string{"first_five", "established"}, []string{"Locum across the PCN's practices", "Locum GP, knows every practice's quirks"}},
	"gp_trainee": {[]string{"Research", "Digital and IT"}, []string{"Minor surgery", "Dermatology", "Leadership"},
		[]string{"in_training"}, []string{"GP registrar in the last year of training", "ST2 GP trainee, new to the area", "GP registrar, previously in A&E"}},
	"practice_nurse": {[]string{"Diabetes", "Respiratory"}, []string{"Frailty", "Quality improvement"},
		[]string{"established", "first_five", "senior"}, []string{"Practice nurse, runs the asthma clinic", "Practice nurse and diabetes lead", "Practice nurse, does the baby immunisations"}},
	"nurse_practitioner": {[]string{"Sexual health", "Women's health"}, []string{"Leadership", "Prescribing and medicines"},
		[]string{"established", "senior"}, []string{"Nurse practitioner, runs same-day access", "Nurse prescriber for minor illness"}},
	"advanced_clinical_practitioner": {[]string{"Frailty", "Care homes"}, []string{"Research", "Leadership"},
		[]string{"senior", "established"}, []string{"ACP doing the care home ward rounds", "ACP, visits housebound patients"}},
	"nursing_associate": {[]string{"Patient participation"}, []string{"Diabetes", "Respiratory"},
		[]string{"in_training", "first_five"}, []string{"Nursing associate, training to be a nurse", "Nursing associate on the treatment room"}},
	"healthcare_assistant": {[]string{"Cardiovascular"}, []string{"Diabetes", "Teaching and training"},
		[]string{"first_five", "in_training"}, []string{"HCA, does the blood pressure checks", "HCA and phlebotomist"}},
	"practice_manager": {[]string{"Practice management", "CQC and compliance", "Workforce and recruitment"}, []string{"Data and searches", "Estates"},
		[]string{"senior", "established"}, []string{"Practice manager, twenty years in general practice", "Practice manager, steered us through CQC", "Practice manager, keeps the building standing"}},
	"reception_admin": {[]string{"Access and appointments", "Patient participation"}, []string{"Social prescribing", "Digital and IT"},
		[]string{"established", "first_five"}, []string{"Care navigator on the front desk", "Reception lead, knows every patient by name"}},
	"practice_admin": {[]string{"Data and searches", "CQC and compliance"}, []string{"Digital and IT", "Quality improvement"},
		[]string{"established"}, []string{"Summariser and medical secretary"}},
	"gp_assistant": {[]string{"Access and appointments"}, []string{"Practice management", "Teaching and training"},
		[]string{"in_training", "first_five"}, []string{"GP assistant, handles the letters and the results"}},
	"physician_associate": {[]string{"Musculoskeletal", "Dermatology"}, []string{"Prescribing and medicines", "Teaching and training"},
		[]string{"first_five", "established"}, []string{"Physician associate on the same-day team"}},
	"clinical_pharmacist": {[]string{"Prescribing and medicines", "Care homes"}, []string{"Frailty", "Mental health"},
		[]string{"first_five", "established"}, []string{"Clinical pharmacist doing structured medication reviews", "Clinical pharmacist across four practices"}},
	"pharmacy_technician": {[]string{"Prescribing and medicines"}, []string{"Data and searches", "Quality improvement"},
		[]string{"first_five", "established"}, []string{"Pharmacy technician, sorts repeat prescribing", "Pharmacy technician, runs the blister packs"}},
	"community_pharmacist": {[]string{"Prescribing and medicines", "Sexual health", "Cardiovascular"}, []string{"Long-term conditions", "Mental health"},
		[]string{"senior", "established"}, []string{"Community pharmacist, flu jab veteran", "Pharmacist and owner of the high street pharmacy"}},
	"social_prescriber": {[]string{"Social prescribing", "Working with the voluntary sector"}, []string{"Mental health", "Housing and homelessness"},
		[]string{"first_five", "established"}, []string{"Helps patients find local groups"}},
	"care_coordinator": {[]string{"Care homes", "End of life care"}, []string{"Frailty", "Social prescribing"},
		[]string{"first_five", "established"}, []string{"Care coordinator for the PCN's care homes"}},
	"health_wellbeing_coach": {[]string{"Long-term conditions", "Wellbeing and burnout"}, []string{"Mental health", "Health inequalities"},
		[]string{"first_five", "established"}, []string{"Health coach, runs the walking group"}},
	"paramedic": {[]string{"Frailty", "Care homes"}, []string{"Prescribing and medicines", "Dermatology"},
		[]string{"established"}, []string{"Paramedic doing the home visits"}},
	"physiotherapist": {[]string{"Musculoskeletal"}, []string{"Mental health", "Research"},
		[]string{"established", "senior"}, []string{"First contact physio, sees the backs and knees"}},
	"clinical_director": {[]string{"Leadership", "Population health", "Health inequalities"}, []string{"Digital and IT", "Research"},
		[]string{"senior"}, []string{"Clinical director and GP partner"}},
	"pcn_manager": {[]string{"Finance and contracts", "Workforce and recruitment", "Estates"}, []string{"Population health", "Data and searches"},
		[]string{"senior", "established"}, []string{"PCN manager, recruits the ARRS team"}},
	"digital_transformation_lead": {[]string{"Digital and IT", "Data and searches"}, []string{"Leadership", "Patient participation"},
		[]string{"established"}, []string{"Digital lead, moved us to online consultations"}},
	"dietitian": {[]string{"Diabetes", "Cardiovascular"}, []string{"Children and young people", "Health inequalities"},
		[]string{"first_five"}, []string{"Dietitian, runs the weight management course"}},
	"mental_health_practitioner": {[]string{"Mental health", "Substance misuse"}, []string{"Social prescribing", "Housing and homelessness"},
		[]string{"established", "senior"}, []string{"Mental health practitioner in the practices", "Community psychiatric nurse"}},
	"occupational_therapist": {[]string{"Mental health", "Frailty"}, []string{"Social prescribing", "Wellbeing and burnout"},
		[]string{"established", "first_five"}, []string{"Occupational therapist in the community team"}},
	"podiatrist": {[]string{"Diabetes", "Musculoskeletal"}, []string{"Frailty", "Quality improvement"},
		[]string{"first_five", "established"}, []string{"Podiatrist, runs the diabetic foot clinic"}},
	"other:housing": {[]string{"Housing and homelessness"}, []string{"Mental health", "Safeguarding"},
		[]string{"established", "senior", "first_five"}, []string{"Tenancy support officer", "Leads the homelessness prevention team", "Housing officer for older tenants"}},
	"other:education_training": {[]string{"Children and young people", "Safeguarding"}, []string{"Mental health", "Social prescribing"},
		[]string{"senior", "established"}, []string{"Head of pastoral care", "Deputy head and safeguarding lead", "School nurse liaison"}},
	"other:voluntary_sector": {[]string{"Working with the voluntary sector", "Frailty"}, []string{"Social prescribing", "Digital and IT"},
		[]string{"established", "senior", "first_five"}, []string{"Runs the Tuesday lunch club", "Volunteer coordinator", "Befriending service manager"}},
}

// demoTouches are the personal halves of bios.
var demoTouches = []string{
	"keen cyclist", "parkrun regular", "sings in a community choir", "has an allotment", "sea swimmer",
	"occasional baker", "coaches under-11s football", "reads crime novels", "walks the dog at dawn", "plays in a ceilidh band",
	"new to the area", "learning Welsh", "line dancer on Thursdays", "grows chillies", "amateur photographer",
	"fell walker", "makes terrible puns", "volunteers at the food bank", "loves a good QI project", "happiest outdoors",
	"parent of three", "raising twins", "marathon in training", "cooks for a crowd", "restores old bikes",
}

var (
	demoFirst = []string{
		"Amara", "Ben", "Chloe", "Dev", "Ellie", "Farid", "Grace", "Harvey", "Isla", "Jamal",
		"Keira", "Leon", "Maya", "Nikhil", "Olivia", "Priya", "Quinn", "Rosa", "Sam", "Tariq",
		"Uma", "Victor", "Wendy", "Yusuf", "Zara", "Aisha", "Callum", "Daniel", "Esther", "Fiona",
		"Gareth", "Hannah", "Imran", "Joanna", "Kwame", "Lucy", "Mohammed", "Niamh", "Owen", "Parveen",
		"Rhys", "Sophie", "Tom", "Vikram", "Anya", "Bethan", "Connor", "Deborah", "Emeka", "Freya",
		"George", "Helena", "Ibrahim", "Jess", "Karen", "Liam", "Marcus", "Nadia", "Oliver", "Ruth",
	}
	// demoLast has a prime number of surnames, so that surnames repeat
	// only past that many members, and never within one organisation (a
	// repeat is that many members on, and no organisation's turn comes
	// round at that step) up to --members' limit.
	demoLast = []string{
		"Okafor", "Hughes", "Patel", "Murphy", "Khan", "Bennett", "Chowdhury", "Davies", "Evans", "Fletcher",
		"Gallagher", "Harrison", "Iqbal", "Jenkins", "Kowalski", "Lewis", "Mensah", "Nolan", "Osei", "Price",
		"Rahman", "Sullivan", "Thompson", "Underwood", "Vaughan", "Walsh", "Young", "Zielinski", "Adeyemi", "Brennan",
		"Carter", "Doyle", "Ellis", "Foster", "Gill", "Hassan", "Ingram", "Jones", "Kaur", "Lawson",
		"Mahmood", "Nowak", "Palmer", "Reid", "Shah", "Turner", "Uddin", "Varga", "Ward", "Wright",
		"Yates", "Ahmed", "Barker", "Cole", "Dhillon", "Edwards", "Fraser", "Grant", "Hall", "Jackson",
		"Kelly", "Lin", "Morgan", "Nash", "Owusu", "Parry", "Singh",
	}
)

// demoPerson is one member of the demo network and their answers on the
// profile form.
type demoPerson struct {
	name                    string
	org                     demoOrg
	role, stage, mentoring  string
	frequency, meeting, bio string
	interests, offers, asks []string
}

// demoPeople returns n members of the demo network: each with a full
// name and bio of their own, in turn across the organisations. Mentors
// are among the established and senior, mentees among those in training
// or their first five years, so that a round has mentoring to find.
func demoPeople(n int) []demoPerson {
	out := make([]demoPerson, 0, n)
	names, bios := map[string]bool{}, map[string]bool{}
	for i := range n {
		o := demoOrgs[i%len(demoOrgs)]
		k := i / len(demoOrgs) // how many of the organisation joined before
		role := o.roles[k%len(o.roles)]
		key := role
		if role == "other" {
			key = "other:" + o.sector
		}
		p := demoPersonas[key]
		turn := k / len(o.roles) // how many of this role here joined before
		stage := p.stages[(turn+i)%len(p.stages)]
		mentoring := "neither"
		switch {
		case stage == "senior" && i%3 != 2, stage == "established" && i%3 == 0:
			mentoring = "mentor"
		case stage == "in_training", stage == "first_five" && i%2 == 0:
			mentoring = "mentee"
		}

		name := demoFirst[i%len(demoFirst)] + " " + demoLast[i%len(demoLast)]
		for j := 1; names[name]; j++ { // past 4,020 members only
			name = demoFirst[(i+j)%len(demoFirst)] + " " + demoLast[i%len(demoLast)]
		}
		names[name] = true
		bio := ""
		for j := range len(demoTouches) * len(p.bios) {
			bio = p.bios[(i+j/len(demoTouches))%len(p.bios)] + ", " + demoTouches[(i*7+j)%len(demoTouches)]
			if !bios[bio] {
				break
			}
		}
		if bios[bio] { // more people in one role than bios to go round
			bio = fmt.Sprintf("%s (%d)", bio, i)
		}
		bios[bio] = true

		clinical := bot.ClinicalTopics[(i*7)%len(bot.ClinicalTopics)]
		interests := []string{clinical, bot.PersonalTopics[(i*5)%len(bot.PersonalTopics)]}
		out = append(out, demoPerson{
			name: name, org: o, role: role, stage: stage, mentoring: mentoring,
			frequency: []string{"weekly", "fortnightly", "monthly"}[i%3],
			meeting:   []string{"in_person", "video", "either"}[i%3],
			bio:       bio,
			interests: interests,
			offers:    rotate(p.offers, i, 2),
			asks:      rotate(p.asks, i+turn, 1),
		})
	}
	return out
}

// rotate returns up to n of xs, starting at the start'th (round the end),
// so people in one role do not all offer the same first thing.
func rotate(xs []string, start, n int) []string {
	var out []string
	for j := range min(n, len(xs)) {
		out = append(out, xs[(start+j)%len(xs)])
	}
	return out
}

// surname is the last word of a full name.
func surname(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// mentorClause finds the explanation's words for a mentoring intro.
var mentorClause = regexp.MustCompile(`([^;.\n]+) is happy to mentor and ([^;.\n]+) is looking for a mentor`)

// mentoringStep says which of the intros, as members read them, pairs a
// mentor with someone looking for one, in the words of its explanation.
func mentoringStep(intros []string) string {
	n := 0
	first := ""
	for i, text := range intros {
		if m := mentorClause.FindString(text); m != "" {
			if n == 0 {
				first = fmt.Sprintf("Introduction %d: %s.", i+1, strings.TrimSpace(m))
			}
			n++
		}
	}
	switch n {
	case 0:
		return "No introduction this round paired a mentor with someone looking for one."
	case 1:
		return "One introduction pairs a mentor with someone looking for one: " + first
	}
	return fmt.Sprintf("%d introductions pair a mentor with someone looking for one; the first is %s", n, first)
}
