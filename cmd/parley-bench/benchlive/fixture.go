package benchlive

import (
	"context"
	"fmt"
	"sync"

	"github.com/parley/parley/cmd/parley-bench/benchkit"
)

// The benchmark's own data: one workshop, one car owner per booking thread, workshop users
// who watch the threads, and workshop users who send. Ids are fixed, so a re-run against the
// same server reuses its threads.
const (
	benchOrgNr     = "980000001"
	bookingIDBase  = 1_900_000_000
	tokenTTLSecond = 6 * 3600
	maxAliases     = 25 // under the server's limit of 30 aliases per document
	// sendsPerUser is each sender's share of the rate, under the default send limit (5/s).
	sendsPerUser = 2
)

// layout spreads the subscribers over threads and users: subscriber i watches thread i mod
// threads, as that thread's car owner (up to half its watchers, at most perUser) or as a
// workshop user; workshop users fill up to perUser subscriptions each. No user holds more
// subscriptions than perUser, nor sends faster than sendsPerUser a second.
type layout struct {
	Threads  int
	Watchers int   // workshop users holding subscriptions
	Senders  int   // workshop users sending
	As       []int // per subscriber: -1 for the thread's car owner, else the workshop watcher
}

func newLayout(subscribers, threads, perUser, rate int) layout {
	l := layout{Threads: threads, As: make([]int, subscribers), Senders: (rate + sendsPerUser - 1) / sendsPerUser}
	owned := make([]int, threads)
	perThread := func(t int) int { return subscribers/threads + btoi(t < subscribers%threads) }
	shop := 0
	for i := range l.As {
		t := i % threads
		if owned[t] < min(perUser, (perThread(t)+1)/2) {
			owned[t]++
			l.As[i] = -1
			continue
		}
		l.As[i] = shop / perUser
		shop++
	}
	l.Watchers = (shop + perUser - 1) / perUser
	return l
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fixture is the data the benchmark subscribes to and sends into, with tokens.
type fixture struct {
	Threads  []thread
	Watchers []string // workshop users' tokens
	Senders  []string
}

type thread struct {
	Conversation string // its GraphQL id
	Owner        string // the car owner's token
}

func ownerID(i int) string   { return fmt.Sprintf("bench-co-%d", i) }
func watcherID(i int) string { return fmt.Sprintf("bench-ws-%d", i) }
func senderID(i int) string  { return fmt.Sprintf("bench-desk-%d", i) }

// setUp creates (or finds) the layout's threads and users through the back-office mutations,
// and tokens for them.
func setUp(ctx context.Context, c *benchkit.Client, l layout) (*fixture, error) {
	office := []string{fmt.Sprintf(`upsertWorkshop(input: {orgNr: %q, name: "Bench Verksted"}) { orgNr }`, benchOrgNr)}
	var owners, shop []string
	for i := 0; i < l.Threads; i++ {
		owners = append(owners, ownerID(i))
		office = append(office, fmt.Sprintf(`upsertUser(input: {userId: %q, role: CAR_OWNER, name: "Bench Owner %d"}) { id }`, ownerID(i), i))
		office = append(office, fmt.Sprintf(`upsertBooking(input: {bookingId: %d, carOwnerId: %q, workshopOrgNr: %q}) { bookingId }`,
			bookingIDBase+i, ownerID(i), benchOrgNr))
	}
	for i := 0; i < l.Watchers; i++ {
		shop = append(shop, watcherID(i))
	}
	for i := 0; i < l.Senders; i++ {
		shop = append(shop, senderID(i))
	}
	for _, id := range shop {
		office = append(office, fmt.Sprintf(`upsertUser(input: {userId: %q, role: WORKSHOP, orgNr: %q, name: %q}) { id }`, id, benchOrgNr, id))
	}
	if err := mutateInBatches(ctx, c, office); err != nil {
		return nil, fmt.Errorf("create bench data: %w", err)
	}
	ownerTokens, err := issueTokens(ctx, c, owners, "CAR_OWNER", "")
	if err != nil {
		return nil, err
	}
	shopTokens, err := issueTokens(ctx, c, shop, "WORKSHOP", benchOrgNr)
	if err != nil {
		return nil, err
	}
	fx := &fixture{Threads: make([]thread, l.Threads), Watchers: shopTokens[:l.Watchers], Senders: shopTokens[l.Watchers:]}
	err = forEach(ctx, l.Threads, 8, func(i int) error {
		conv, err := startThread(ctx, c, ownerTokens[i], bookingIDBase+i)
		fx.Threads[i] = thread{Conversation: conv, Owner: ownerTokens[i]}
		return err
	})
	return fx, err
}

func issueTokens(ctx context.Context, c *benchkit.Client, ids []string, role, orgNr string) ([]string, error) {
	org := ""
	if orgNr != "" {
		org = fmt.Sprintf(", orgNr: %q", orgNr)
	}
	tokens := make([]string, 0, len(ids))
	for start := 0; start < len(ids); start += maxAliases {
		part := ids[start:min(start+maxAliases, len(ids))]
		fields := make([]string, len(part))
		for i, id := range part {
			fields[i] = fmt.Sprintf(`issueToken(input: {userId: %q, role: %s%s, ttlSeconds: %d}) { token }`, id, role, org, tokenTTLSecond)
		}
		var out map[string]struct{ Token string }
		if err := c.DoPatiently(ctx, "", benchkit.Aliased("mutation", fields), nil, &out); err != nil {
			return nil, fmt.Errorf("issue tokens: %w", err)
		}
		for i := range part {
			tokens = append(tokens, out[fmt.Sprintf("a%d", i)].Token)
		}
	}
	return tokens, nil
}

func startThread(ctx context.Context, c *benchkit.Client, ownerToken string, booking int) (string, error) {
	var out struct {
		StartConversation struct{ Conversation struct{ ID string } }
	}
	q := `mutation($b: Int!) { startConversation(input: {bookingId: $b}) { conversation { id } } }`
	if err := c.DoPatiently(ctx, ownerToken, q, map[string]any{"b": booking}, &out); err != nil {
		return "", fmt.Errorf("start thread of booking %d: %w", booking, err)
	}
	return out.StartConversation.Conversation.ID, nil
}

func mutateInBatches(ctx context.Context, c *benchkit.Client, fields []string) error {
	for start := 0; start < len(fields); start += maxAliases {
		if err := c.DoPatiently(ctx, "", benchkit.Aliased("mutation", fields[start:min(start+maxAliases, len(fields))]), nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// forEach runs fn for 0..n-1 on a few goroutines, and returns the first error.
func forEach(ctx context.Context, n, workers int, fn func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					cancel(err)
				}
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}
