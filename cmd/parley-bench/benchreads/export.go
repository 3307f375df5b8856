package benchreads

import (
	"context"
	"time"

	"github.com/parley/parley/ratelimit"
	"github.com/parley/parley/server"
)

// InboxQuery is the GraphQL inbox page the reads time: 20 threads with subject, participants
// and last message.
const InboxQuery = inboxQuery

// Set is a data set built for another benchmark (`bench postgraphile`): its size and the
// viewers whose inboxes it fixes.
type Set struct {
	Messages, Threads          int
	ShopThreads, OwnerThreads  int
	ShopOrg, ShopUser, OwnerID string
	Took                       time.Duration
}

// Build loads the set of that many messages into the migrated, empty database at dsn.
func Build(ctx context.Context, dsn string, messages int) (*Set, error) {
	s := shapeOf(messages)
	b, err := build(ctx, dsn, s)
	if err != nil {
		return nil, err
	}
	return &Set{Messages: s.Messages, Threads: s.Threads, ShopThreads: s.ShopThreads, OwnerThreads: s.OwnerThreads,
		ShopOrg: shopOrg, ShopUser: "ws-" + shopOrg + "-0", OwnerID: ownerID, Took: b.Took}, nil
}

// NoReadLimit is cfg with the users' read bucket so large it never runs dry: the figures are
// the reads' cost, though the bucket is still consulted on every request.
func NoReadLimit(cfg server.Config) server.Config {
	if cfg.Limits == nil {
		return cfg
	}
	l := *cfg.Limits
	l.User = map[ratelimit.Class]ratelimit.Rule{}
	for class, rule := range cfg.Limits.User {
		l.User[class] = rule
	}
	l.User[ratelimit.Read] = ratelimit.Rule{Rate: 1e6, Burst: 1e6}
	cfg.Limits = &l
	return cfg
}
