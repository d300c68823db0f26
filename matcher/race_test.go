//go:build race

package matcher_test

const raceEnabled = true
