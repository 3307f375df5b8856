package resolvers_test

import (
	"fmt"
	"testing"

	"github.com/parley/parley/server/apptest"
)

// BenchmarkInboxQuery is one inbox page of 20 threads with subject, participants and last
// message, through the full HTTP stack.
func BenchmarkInboxQuery(b *testing.B) {
	e := apptest.New(b)
	for i := 0; i < 25; i++ {
		r := e.GQL(b, apptest.Office(), fmt.Sprintf(`mutation { upsertBooking(input: {bookingId: %d, carOwnerId: "co-kari", workshopOrgNr: "921460929"}) { bookingId } }`, 9000+i), nil)
		if r.Code() != "" {
			b.Fatal(r.Errors)
		}
	}
	kari := e.User(b, "co-kari")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := e.GQL(b, kari, inboxQuery, map[string]any{"first": 20})
		if r.Code() != "" {
			b.Fatal(r.Errors)
		}
	}
}

// BenchmarkSendMessage sends a text message through the full HTTP stack: authorisation, the
// transactional insert with counters, and notifications.
func BenchmarkSendMessage(b *testing.B) {
	e := apptest.New(b)
	kari := e.User(b, "co-kari")
	var conv string
	for _, bk := range e.Seed.Bookings {
		if bk.ID == 1002 {
			conv = bk.ThreadID
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := e.GQL(b, kari, sendMutation, map[string]any{"in": map[string]any{"conversationId": conv, "body": "benchmark message"}})
		if r.Code() != "" {
			b.Fatal(r.Errors)
		}
	}
}
