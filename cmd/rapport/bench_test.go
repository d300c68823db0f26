package main

import (
	"slices"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// BenchmarkSlashCommandAck measures how long Slack waits for the bot's ack
// of a slash command that reads the database (/introduce-me status), end to
// end through the real serve wiring and the local workspace, on each
// database. Run it with -benchtime=100x for the median and worst of 100.
func BenchmarkSlashCommandAck(b *testing.B) {
	for _, target := range storagetest.Databases(b) {
		b.Run(target.Name, func(b *testing.B) { benchmarkAck(b, target) })
	}
}

func benchmarkAck(b *testing.B, target storagetest.Target) {
	h := startServe(b, target)
	h.reply(admin, "admin practices add Riverside Surgery")
	form := h.openProfile(alice)
	h.submit(alice, form, aliceProfile())

	var latencies []time.Duration
	for b.Loop() {
		ack := h.command(alice, "status")
		latencies = append(latencies, ack.Latency)
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "median-ack-ms")
	b.ReportMetric(float64(latencies[len(latencies)-1].Microseconds())/1000, "worst-ack-ms")
}
