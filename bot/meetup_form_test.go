package bot

import (
	"reflect"
	"testing"
	"time"
)

// The meetup form asks each question with the input that fits it, and
// what it shows reads back as the same answers.
func TestMeetupFormInputs(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	f := MeetupForm{Title: "PCN lunch", Purpose: "PCN lunch", Date: "2026-06-03", Start: "12:30", End: "14:00",
		Place: "Riverside", Link: "https://meet.example.org/x", Roles: []string{"gp_trainee"}, Sectors: []string{"housing"},
		Food: "yes", Capacity: "30", RSVPBy: "2026-06-02"}
	form := meetupForm(f, london, 0, "k1")
	if form.ID != MeetupCreateForm || form.Ref != "k1" || form.Submit != "Announce" {
		t.Errorf("new meetup form: %+v", form)
	}
	kinds := map[string]InputKind{}
	values := FormValues{}
	for _, in := range form.Inputs {
		kinds[in.ID] = in.Kind
		if len(in.Values) > 0 {
			values[in.ID] = in.Values
		} else if in.Value != "" {
			values[in.ID] = []string{in.Value}
		}
		if in.ID == MeetupFieldFood && !in.Expanded {
			t.Errorf("the food question should show both answers at once")
		}
	}
	for id, want := range map[string]InputKind{MeetupFieldDate: InputDate, MeetupFieldStart: InputTime, MeetupFieldLink: InputURL,
		MeetupFieldCapacity: InputNumber, MeetupFieldRoles: InputMultiChoice, MeetupFieldFood: InputChoice, MeetupFieldRSVPBy: InputDate} {
		if kinds[id] != want {
			t.Errorf("%s is input kind %d, want %d", id, kinds[id], want)
		}
	}
	if back := meetupFormFrom(values); !reflect.DeepEqual(back, f) {
		t.Errorf("form %+v read back as %+v", f, back)
	}
	edit := meetupForm(f, london, 42, "ignored")
	if edit.ID != MeetupEditForm || edit.Ref != "42" || edit.Submit != "Save" {
		t.Errorf("edit form: %+v", edit)
	}
}
