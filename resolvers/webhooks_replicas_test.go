package resolvers_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/parley/parley/db"
	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest"
)

// Two replicas, each running a worker on the same database, deliver each of many events once.
func TestWebhookTwoReplicasDeliverEachEventOnce(t *testing.T) {
	t.Parallel()
	first := apptest.New(t)
	second := first.Replica(t, nil)
	seen := map[string]int{}
	rcv := newReceiver(t, func(int) int {
		time.Sleep(5 * time.Millisecond) // keep requests in flight while the other worker claims
		return http.StatusOK
	})
	createHook(t, first, rcv.URL, []string{"message.received", "notification.created"}, nil)
	per, conv := first.User(t, "usr_per"), convOf(t, first, "tesla3")
	const sends = 40
	for i := range sends {
		via := []*apptest.Env{first, second}[i%2]
		send(t, via, per, conv, "melding "+itoa(i))
	}
	want := 2 * sends // a message.received and anne's notification.created per send
	rcv.waitFor(t, want, 30*time.Second)
	// Stopping a replica waits for its worker to finish every request it claimed: after both,
	// a duplicate sent by either would have arrived.
	first.Stop()
	second.Stop()
	for _, h := range rcv.hooks() {
		seen[h.ID]++
	}
	if len(seen) != want || len(rcv.hooks()) != want {
		t.Fatalf("%d requests with %d distinct webhook-ids, want %d of each", len(rcv.hooks()), len(seen), want)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
}

// An event written while no worker runs (a server killed before it delivered) is delivered by
// the next server to start on the database.
func TestWebhookDeliveredAfterRestart(t *testing.T) {
	t.Parallel()
	before := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
	rcv := newReceiver(t, always(http.StatusOK))
	ep := createHook(t, before, rcv.URL, []string{"message.received"}, nil)
	send(t, before, before.User(t, "usr_per"), convOf(t, before, "tesla3"), "Før omstart")
	// The delivery is queued with the message; stopping waits for a worker, had one run.
	if ds := deliveries(t, before, ep.ID); len(ds) != 1 || ds[0].Status != "PENDING" || len(ds[0].Attempts) != 0 {
		t.Fatalf("queued without a worker: %+v", ds)
	}
	before.Stop()
	if n := len(rcv.hooks()); n != 0 {
		t.Fatalf("delivered %d without a worker", n)
	}

	after := before.Replica(t, nil)
	h := rcv.waitFor(t, 1, 5*time.Second)[0]
	if err := verifyHook(ep.Secret, h); err != nil || get(h.Payload, "data", "message", "content") != "Før omstart" {
		t.Fatalf("after the restart: %v %s", err, h.Body)
	}
	eventually(t, 2*time.Second, "delivered", func() bool { return deliveries(t, after, ep.ID)[0].Status == "DELIVERED" })
}

// A worker that claimed a delivery and died leaves it to the others once its lease runs out;
// the dead claim can no longer record a result.
func TestWebhookClaimOfADeadWorkerRunsOut(t *testing.T) {
	t.Parallel()
	e := apptest.NewWith(t, func(c *server.Config) { c.WebhookWorker = false })
	rcv := newReceiver(t, always(http.StatusOK))
	ep := createHook(t, e, rcv.URL, []string{"message.received"}, nil)
	send(t, e, e.User(t, "usr_per"), convOf(t, e, "tesla3"), "Hei")
	jobs, err := e.Store.ClaimWebhookJobs(t.Context(), 10, 400*time.Millisecond)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	claimed := time.Now()
	e.Replica(t, nil) // a live worker, while the dead one's lease holds
	rcv.waitFor(t, 1, 5*time.Second)
	if waited := time.Since(claimed); waited < 350*time.Millisecond {
		t.Fatalf("delivered %v after the claim, inside its lease", waited)
	}
	eventually(t, 2*time.Second, "delivered", func() bool { return deliveries(t, e, ep.ID)[0].Status == "DELIVERED" })
	late := db.WebhookOutcome{Attempt: db.WebhookAttempt{StartedAt: time.Now(), Error: "too late"}}
	if err := e.Store.FinishWebhookJob(t.Context(), jobs[0], late); err != nil {
		t.Fatal(err)
	}
	if d := deliveries(t, e, ep.ID)[0]; d.Status != "DELIVERED" || len(d.Attempts) != 2 {
		t.Fatalf("after the dead claim's late result: %+v", d)
	}
}
