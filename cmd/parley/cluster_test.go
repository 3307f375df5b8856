package main

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/parley/parley/db/dbtest"
	"github.com/parley/parley/devcluster"
	"github.com/parley/parley/server"
	"github.com/parley/parley/server/apptest/gqlws"
)

// `parley dev cluster up` starts two replicas behind its load balancer; a subscriber through
// the balancer (on one replica) gets a message sent through the balancer to the other; `down`
// leaves nothing running.
func TestDevClusterDeliversAcrossReplicasThroughTheBalancer(t *testing.T) {
	dir := t.TempDir()
	environ := env(t, "DATABASE_URL="+dbtest.NewDSN(t))
	t.Cleanup(func() { clusterDown(t, environ, dir) })
	up, _ := runParley(t, environ, "dev", "cluster", "up", "--replicas", "2", "--port", "0", "--dir", dir)
	t.Log(up)
	statusOut, _ := runParley(t, environ, "dev", "cluster", "status", "--dir", dir, "--json")
	var st devcluster.State
	if err := json.Unmarshal([]byte(statusOut), &st); err != nil || len(st.Replicas) != 2 || st.URL == "" {
		t.Fatalf("status: %v\n%s", err, statusOut)
	}
	out, _ := runParley(t, environ, "seed", "--json")
	var seed server.SeedData
	if err := json.Unmarshal([]byte(out), &seed); err != nil {
		t.Fatal(err)
	}
	owner, workshop := seed.CarOwners[0].Token, seed.Workshops[0].Users[0].Token
	thread := seed.Bookings[0].ThreadID // booking 1001: co-ola and workshop 921460929
	// Web Push: a browser subscribes with one replica's key and any replica's worker signs
	// with its own, so they must be the same.
	keys := map[string]bool{}
	for _, r := range st.Replicas {
		res := graphql(t, r.Addr, owner, `{ vapidPublicKey }`)
		data, _ := res["data"].(map[string]any)
		keys[fmt.Sprint(data["vapidPublicKey"])] = true
	}
	if len(keys) != 1 {
		t.Errorf("the replicas hold %d VAPID keys, want one: %v", len(keys), keys)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sub, err := gqlws.Dial(ctx, st.URL+"/graphql", nil, map[string]any{"Authorization": "Bearer " + workshop})
	if err != nil {
		t.Fatalf("subscribe through the balancer: %v", err)
	}
	defer sub.CloseNow()
	subReplica := sub.Header.Get(devcluster.ReplicaHeader)
	if subReplica == "" {
		t.Fatalf("the balancer's upgrade response names no replica: %v", sub.Header)
	}
	if err := sub.Subscribe(ctx, "1", `subscription { messageAdded { body } }`, nil); err != nil {
		t.Fatal(err)
	}
	// Presence is in the database: once the workshop shows online, its subscription is held.
	waitOnline(t, st.Replicas[0].Addr, owner, thread, "WORKSHOP")

	// Round robin over two: after a request answered by the subscriber's replica, the next
	// goes to the other one.
	for {
		if _, h := postThrough(t, st.URL, owner, `{ __typename }`); h.Get(devcluster.ReplicaHeader) == subReplica {
			break
		}
	}
	body := fmt.Sprintf("through the balancer %d", time.Now().UnixNano())
	res, h := postThrough(t, st.URL, owner, fmt.Sprintf(`mutation { sendMessage(input: {conversationId: %q, body: %q}) { message { messageId } } }`, thread, body))
	if res["errors"] != nil {
		t.Fatalf("send: %v", res["errors"])
	}
	if sent := h.Get(devcluster.ReplicaHeader); sent == subReplica || sent == "" {
		t.Fatalf("the send was answered by replica %q, the subscription by %q: want two replicas", sent, subReplica)
	}
	m, err := sub.Next(ctx)
	if err != nil {
		t.Fatalf("nothing reached the subscriber on replica %s: %v", subReplica, err)
	}
	var got struct{ MessageAdded struct{ Body string } }
	if err := m.Data(&got); err != nil || got.MessageAdded.Body != body {
		t.Fatalf("got %s (%v)", m.Payload, err)
	}
}

// clusterDown runs `parley dev cluster down` and checks that every process it had is gone.
func clusterDown(t *testing.T, environ []string, dir string) {
	st, err := devcluster.ReadState(dir)
	runParley(t, environ, "dev", "cluster", "down", "--dir", dir)
	if err != nil {
		return // never came up; Up stops what it started when it fails
	}
	for _, p := range append(st.Replicas, st.Balancer) {
		if devcluster.Running(p.PID) {
			t.Errorf("%s (pid %d) still running after down", p.Name, p.PID)
		}
	}
	if _, err := devcluster.ReadState(dir); err == nil {
		t.Error("state file left after down")
	}
}
