package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The README's "try it now" command works with no set-up: members join
// through the form, a round runs, and the output shows the intros they
// received and the admin's figures.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errs syncBuffer
	if code := run(ctx, []string{"demo", "--members", "21"}, func(string) string { return "" }, &out, &errs); code != 0 {
		t.Fatalf("demo exited with %d:\n%s\n%s", code, out.String(), errs.String())
	}
	text := out.String()
	for _, want := range []string{
		"21 members joined through /introduce-me",
		"Round 1 is under way: 10 introductions for 21 members",
		"── Introduction 10 of 10 ──",
		"Why we introduced you",
		"A first question",
		"would you start?",
		"Rapport in numbers",
		"Across organisations: 100%",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(text, "Introduction 11 of") {
		t.Errorf("more intros than members allow")
	}
}
