package bot

import "strings"

// Choice is one option of a fixed vocabulary: a stable code that is stored,
// and the label people see.
type Choice struct {
	Code  string
	Label string
}

// Sectors a member's organisation can belong to.
var Sectors = []Choice{
	{"gp_practice", "GP practice"},
	{"community_pharmacy", "Community pharmacy"},
	{"pcn_team", "PCN team"},
	{"hospital", "Hospital"},
	{"community_services", "Community services"},
	{"mental_health", "Mental health"},
	{"social_care", "Social care"},
	{"education_training", "Education and training"},
	{"housing", "Housing"},
	{"voluntary_sector", "Voluntary sector"},
	{"local_authority", "Local authority and public health"},
	{"other", "Other"},
}

// ChoiceGroup is a named run of choices that a form shows together.
type ChoiceGroup struct {
	Name    string
	Choices []Choice
}

// RoleGroups are the roles a member can hold, as the profile form groups
// them: the GPs, nursing and the other clinical roles that the Additional
// Roles Reimbursement Scheme (ARRS) brought to PCNs, leadership and the
// practice team. The codes are stored with profiles and never change; a
// role whose name changes keeps its code under a new label (a
// social_prescriber is a social prescribing link worker), so every profile
// saved under an older list is still valid.
var RoleGroups = []ChoiceGroup{
	{"GPs", []Choice{
		{"gp_partner", "GP partner"},
		{"salaried_gp", "Salaried GP"},
		{"locum_gp", "Locum GP"},
		{"gp_trainee", "GP trainee"},
	}},
	{"Nursing", []Choice{
		{"practice_nurse", "Practice nurse"},
		{"nurse_practitioner", "Nurse practitioner"},
		{"advanced_clinical_practitioner", "Advanced clinical practitioner"},
		{"nursing_associate", "Nursing associate"},
		{"healthcare_assistant", "Healthcare assistant"},
	}},
	{"Pharmacy", []Choice{
		{"clinical_pharmacist", "Clinical pharmacist"},
		{"community_pharmacist", "Community pharmacist"},
		{"pharmacy_technician", "Pharmacy technician"},
	}},
	{"Other clinical roles", []Choice{
		{"physiotherapist", "First contact physiotherapist"},
		{"paramedic", "Paramedic"},
		{"physician_associate", "Physician associate"},
		{"dietitian", "Dietitian"},
		{"occupational_therapist", "Occupational therapist"},
		{"podiatrist", "Podiatrist"},
		{"mental_health_practitioner", "Mental health practitioner"},
	}},
	{"Personalised care", []Choice{
		{"social_prescriber", "Social prescribing link worker"},
		{"health_wellbeing_coach", "Health and wellbeing coach"},
		{"care_coordinator", "Care coordinator"},
	}},
	{"Leadership", []Choice{
		{"clinical_director", "Clinical director"},
		{"pcn_manager", "PCN manager"},
		{"practice_manager", "Practice manager"},
		{"digital_transformation_lead", "Digital and transformation lead"},
	}},
	{"Practice team", []Choice{
		{"gp_assistant", "GP assistant"},
		// Once "Reception and admin"; administrators now have a role of
		// their own, and can move to it when they next save.
		{"reception_admin", "Receptionist or care navigator"},
		{"practice_admin", "Practice administrator"},
	}},
	{"Not listed", []Choice{
		{"other", "Other"},
	}},
}

// Roles a member can hold, in the form's order: RoleGroups without the
// groups.
var Roles = flatChoices(RoleGroups)

func flatChoices(groups []ChoiceGroup) []Choice {
	var out []Choice
	for _, g := range groups {
		out = append(out, g.Choices...)
	}
	return out
}

// CareerStages, from training to leadership.
var CareerStages = []Choice{
	{"in_training", "In training"},
	{"first_five", "First five years"},
	{"established", "Established"},
	{"senior", "Senior or leadership"},
}

// Frequencies at which a member wants an introduction.
var Frequencies = []Choice{
	{"weekly", "Every week"},
	{"fortnightly", "Every two weeks"},
	{"monthly", "Once a month"},
}

// MentoringChoices say whether a member would mentor or like a mentor.
var MentoringChoices = []Choice{
	{"mentor", "Happy to mentor"},
	{"mentee", "Would like a mentor"},
	{"neither", "Neither for now"},
}

// MeetingChoices say how a member prefers to meet.
var MeetingChoices = []Choice{
	{"in_person", "In person"},
	{"video", "Video call"},
	{"either", "Either"},
}

// Topic groups for interests, offers and asks. Offers and asks share the
// work topics so that one member's offer can meet another's ask; interests
// also take personal ones, which make a first conversation easy.
var (
	ClinicalTopics = []string{
		"Frailty", "Diabetes", "Mental health", "Long-term conditions",
		"Women's health", "Children and young people", "End of life care",
		"Care homes", "Dermatology", "Musculoskeletal", "Cardiovascular",
		"Respiratory", "Minor surgery", "Sexual health", "Substance misuse",
		"Safeguarding", "Prescribing and medicines", "Social prescribing",
	}
	WorkTopics = []string{
		"Quality improvement", "Population health", "Health inequalities",
		"Leadership", "Practice management", "Finance and contracts",
		"Workforce and recruitment", "Digital and IT", "Data and searches",
		"Access and appointments", "Teaching and training", "Research",
		"CQC and compliance", "Estates", "Wellbeing and burnout",
		"Working with the voluntary sector", "Housing and homelessness",
		"Patient participation",
	}
	PersonalTopics = []string{
		"Cycling", "Running", "Walking and hiking", "Line dancing", "Music",
		"Books", "Cooking", "Gardening", "Football", "Travel", "Parenting",
		"Volunteering", "Photography", "Swimming",
	}
)

// Label returns the label of code in choices, or code itself when unknown.
func Label(choices []Choice, code string) string {
	for _, c := range choices {
		if c.Code == code {
			return c.Label
		}
	}
	return code
}

func validChoice(choices []Choice, code string) bool {
	for _, c := range choices {
		if c.Code == code {
			return true
		}
	}
	return false
}

// canonicalTopic returns the vocabulary's spelling of a topic typed in free
// text, so that "frailty" typed by one member meets "Frailty" chosen by
// another, or the trimmed text itself when it is not in the vocabulary.
func canonicalTopic(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for _, group := range [][]string{ClinicalTopics, WorkTopics, PersonalTopics} {
		for _, t := range group {
			if strings.EqualFold(t, s) {
				return t
			}
		}
	}
	return s
}
