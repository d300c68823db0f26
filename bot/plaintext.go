package bot

import "strings"

// PlainText renders a message as plain text, as a person would read it
// aloud: the title, then each section's heading, paragraph, fields
// ("Label: value"), list ("• item"), preformatted text, small print and
// buttons ("[Label]"). Mentions show the name, links their label and
// address. Tests read messages through it, and a platform without markup
// could send it as it is.
func PlainText(m *Message) string {
	if m == nil {
		return ""
	}
	var lines []string
	if m.Title != "" {
		lines = append(lines, m.Title)
	}
	for _, s := range m.Sections {
		if s.Rule {
			lines = append(lines, "---")
		}
		if s.Heading != "" {
			lines = append(lines, s.Heading)
		}
		if !s.Text.Empty() {
			lines = append(lines, plainSpans(s.Text))
		}
		for _, f := range s.Fields {
			lines = append(lines, f.Label+": "+plainSpans(f.Value))
		}
		for _, it := range s.Items {
			lines = append(lines, "• "+plainSpans(it))
		}
		if s.Pre != "" {
			lines = append(lines, s.Pre)
		}
		if !s.Note.Empty() {
			lines = append(lines, plainSpans(s.Note))
		}
		if len(s.Buttons) > 0 {
			var bs []string
			for _, b := range s.Buttons {
				bs = append(bs, "["+b.Label+"]")
			}
			lines = append(lines, strings.Join(bs, " "))
		}
	}
	return strings.Join(lines, "\n")
}

// plainSpans is text as plain words, with each link's address after its
// label.
func plainSpans(t Text) string {
	var b strings.Builder
	for _, s := range t {
		b.WriteString(s.Text)
		if s.URL != "" && s.URL != s.Text {
			b.WriteString(" (" + s.URL + ")")
		}
	}
	return b.String()
}

// FormText renders a form as plain text: its title, intro and each input
// with its current value and any error.
func FormText(f *Form) string {
	if f == nil {
		return ""
	}
	lines := []string{f.Title}
	if !f.Intro.Empty() {
		lines = append(lines, plainSpans(f.Intro))
	}
	for _, in := range f.Inputs {
		line := in.Label + ":"
		values := in.Values
		if in.Value != "" {
			values = []string{in.Value}
		}
		if len(values) > 0 {
			line += " " + strings.Join(in.labels(values), ", ")
		}
		lines = append(lines, line)
		if in.Error != "" {
			lines = append(lines, "  ! "+in.Error)
		}
	}
	return strings.Join(lines, "\n")
}

// labels returns the labels of an input's chosen values; a value that is
// not an option (typed text) stands as it is.
func (in Input) labels(values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = v
		for _, o := range in.Options {
			if o.Value == v {
				out[i] = o.Label
			}
		}
	}
	return out
}
