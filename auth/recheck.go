package auth

import (
	"context"
	"log/slog"
	"time"
)

// RecheckWatches runs until ctx ends. Every recheck period it reads, in one query, the
// revocations of the users holding open subscriptions on this replica and ends those opened
// with revoked tokens: a revocation made on another replica reaches them without waiting for
// the user's next request here. It also forgets users not seen for a while.
func (a *Authenticator) RecheckWatches(ctx context.Context) {
	if a.store == nil {
		return
	}
	tick := time.NewTicker(a.recheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			a.recheckWatches(ctx)
			a.sweep(now)
		}
	}
}

func (a *Authenticator) recheckWatches(ctx context.Context) {
	ids, iats := a.watched()
	if len(ids) == 0 {
		return
	}
	revoked, err := a.store.TokensRevokedSince(ctx, ids, iats)
	if err != nil {
		if ctx.Err() == nil {
			slog.WarnContext(ctx, "recheck token revocations", "err", err)
		}
		return
	}
	for id, t := range revoked {
		a.Revoked(id, t)
	}
}

// watched lists the users with open subscriptions, each with the oldest iat among them.
func (a *Authenticator) watched() ([]string, []time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := make([]string, 0, len(a.watches))
	iats := make([]time.Time, 0, len(a.watches))
	for id, ws := range a.watches {
		var oldest time.Time
		first := true
		for w := range ws {
			if first || w.iat.Before(oldest) {
				oldest, first = w.iat, false
			}
		}
		ids, iats = append(ids, id), append(iats, oldest)
	}
	return ids, iats
}

// sweep forgets users whose row was last written touchEvery ago or more: their next request
// writes it again and replaces the entry anyway, so keeping it only grows the map.
func (a *Authenticator) sweep(now time.Time) {
	a.users.Range(func(k, v any) bool {
		if now.Sub(v.(userState).written) >= touchEvery {
			a.users.CompareAndDelete(k, v)
		}
		return true
	})
}
