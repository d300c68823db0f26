package bot_test

import (
	"testing"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
)

// rolesBefore are the role codes of the first profile form. Members saved
// them; they must stay valid, and be shown as words, for as long as those
// profiles exist.
var rolesBefore = []string{
	"gp_partner", "salaried_gp", "locum_gp", "gp_trainee", "practice_manager", "practice_nurse",
	"nurse_practitioner", "clinical_pharmacist", "social_prescriber", "physician_associate",
	"paramedic", "physiotherapist", "care_coordinator", "reception_admin", "other",
}

func TestEveryEarlierRoleIsStillAcceptedAndNamed(t *testing.T) {
	for _, code := range rolesBefore {
		m := bottest.Member(t, bottest.Role(code)) // fails t if the form refuses it
		if label := bot.Label(bot.Roles, m.Profile.Role); label == code || label == "" {
			t.Errorf("role %q is shown as %q, not as words", code, label)
		}
	}
}

// The roles of a whole PCN are on the form, each once, and the list fits
// what Slack's select takes (100 options, 100 groups), grouped so that it
// reads as a few short lists.
func TestTheRoleListCoversAPCN(t *testing.T) {
	want := map[string]string{
		"clinical_pharmacist": "Clinical pharmacist", "community_pharmacist": "Community pharmacist",
		"pharmacy_technician": "Pharmacy technician", "mental_health_practitioner": "Mental health practitioner",
		"health_wellbeing_coach": "Health and wellbeing coach", "care_coordinator": "Care coordinator",
		"social_prescriber": "Social prescribing link worker", "physiotherapist": "First contact physiotherapist",
		"dietitian": "Dietitian", "occupational_therapist": "Occupational therapist", "podiatrist": "Podiatrist",
		"paramedic": "Paramedic", "physician_associate": "Physician associate",
		"advanced_clinical_practitioner": "Advanced clinical practitioner", "nursing_associate": "Nursing associate",
		"healthcare_assistant": "Healthcare assistant", "gp_assistant": "GP assistant",
		"digital_transformation_lead": "Digital and transformation lead", "clinical_director": "Clinical director",
		"pcn_manager": "PCN manager", "reception_admin": "Receptionist or care navigator",
	}
	for code, label := range want {
		if got := bot.Label(bot.Roles, code); got != label {
			t.Errorf("role %q is labelled %q, want %q", code, got, label)
		}
	}
	seen := map[string]bool{}
	for _, r := range bot.Roles {
		if seen[r.Code] {
			t.Errorf("role %q is listed twice", r.Code)
		}
		seen[r.Code] = true
	}

	form := bot.ProfileFormFor(&bot.ProfileDraft{Form: bot.ProfileForm{Frequency: "weekly"}})
	var role *bot.Input
	for i := range form.Inputs {
		if form.Inputs[i].ID == bot.FieldRole {
			role = &form.Inputs[i]
		}
	}
	if role == nil {
		t.Fatal("the profile form asks no role")
	}
	groups := map[string]bool{}
	for _, o := range role.Options {
		if o.Group == "" {
			t.Errorf("role %q is in no group", o.Value)
		}
		groups[o.Group] = true
	}
	if len(role.Options) != len(bot.Roles) || len(role.Options) > 100 || len(groups) < 2 || len(groups) > 100 {
		t.Errorf("the role input has %d options in %d groups, want all %d roles, at most 100, in a few groups", len(role.Options), len(groups), len(bot.Roles))
	}
}
