package resolvers

import (
	"context"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/parley/parley/auth"
	"github.com/parley/parley/db"
)

// Loaders batch the nested fields of one request, so a page of any size costs a fixed number
// of statements.
type Loaders struct {
	users        *batch[string, *db.User]
	workshops    *batch[string, *db.Workshop]
	services     *batch[string, []*db.WorkshopService]
	bookings     *batch[int64, *db.Booking]
	listings     *batch[string, *db.Listing]
	messages     *batch[int64, *db.Message]
	attachments  *batch[int64, []*db.Attachment]
	participants *batch[int64, []*db.Participant]
	threads      *batch[int64, *db.Thread]
	online       *batch[string, bool]
	edits        *batch[int64, []*db.MessageEdit]
	reactions    *batch[int64, []*db.ReactionCount]
}

// batch is a loader that keeps its fetch, so a caller holding every key at once (a REST
// page's display data) fetches them without waiting out the batching window.
type batch[K comparable, V any] struct {
	*dataloadgen.Loader[K, V]
	fetch func(context.Context, []K) (map[K]V, error)
}

func newBatch[K comparable, V any](fetch func(context.Context, []K) (map[K]V, error), opts ...dataloadgen.Option) *batch[K, V] {
	return &batch[K, V]{dataloadgen.NewMappedLoader(fetch, opts...), fetch}
}

// loaderWait is the batching window: long enough that sibling fields land in one batch on a
// busy 2-core machine.
const loaderWait = time.Millisecond

func newLoaders(s *db.Store) *Loaders {
	w := dataloadgen.WithWait(loaderWait)
	return &Loaders{
		users:     newBatch(byKey(s.UsersByID, func(u *db.User) string { return u.ID }), w),
		workshops: newBatch(byKey(s.WorkshopsByOrgNr, func(x *db.Workshop) string { return x.OrgNr }), w),
		services:  newBatch(s.ServicesByOrgNr, w),
		bookings:  newBatch(byKey(s.BookingsByID, func(b *db.Booking) int64 { return b.ID }), w),
		listings:  newBatch(byKey(s.ListingsByID, func(l *db.Listing) string { return l.ID }), w),
		messages: newBatch(func(ctx context.Context, ids []int64) (map[int64]*db.Message, error) {
			v, _ := auth.User(ctx)
			return byKey(func(ctx context.Context, ids []int64) ([]*db.Message, error) {
				return s.MessagesByID(ctx, v.Party(), ids)
			}, func(m *db.Message) int64 { return m.ID })(ctx, ids)
		}, w),
		attachments: newBatch(s.AttachmentsByMessage, w),
		edits:       newBatch(s.EditsByMessage, w),
		reactions: newBatch(func(ctx context.Context, ids []int64) (map[int64][]*db.ReactionCount, error) {
			v, _ := auth.User(ctx) // reactedByMe is the viewer's party's
			return s.ReactionsByMessage(ctx, v.Party(), ids)
		}, w),
		participants: newBatch(s.Participants, w),
		online: newBatch(func(ctx context.Context, parties []string) (map[string]bool, error) {
			on, err := s.Online(ctx, parties)
			if err != nil {
				return nil, err
			}
			for _, p := range parties {
				if !on[p] {
					on[p] = false // absent means offline, not missing
				}
			}
			return on, nil
		}, w),
		threads: newBatch(func(ctx context.Context, ids []int64) (map[int64]*db.Thread, error) {
			v, err := auth.User(ctx)
			if err != nil {
				return nil, err
			}
			return byKey(func(ctx context.Context, ids []int64) ([]*db.Thread, error) {
				return s.Threads(ctx, v, ids)
			}, func(t *db.Thread) int64 { return t.ID })(ctx, ids)
		}, w),
	}
}

// byKey adapts a batch fetch returning rows into a mapped fetch; missing keys load as nil.
func byKey[K comparable, V any](fetch func(context.Context, []K) ([]V, error), key func(V) K) func(context.Context, []K) (map[K]V, error) {
	return func(ctx context.Context, keys []K) (map[K]V, error) {
		rows, err := fetch(ctx, keys)
		if err != nil {
			return nil, err
		}
		out := make(map[K]V, len(rows))
		for _, r := range rows {
			out[key(r)] = r
		}
		return out, nil
	}
}

type loadersKey struct{}

// lazyLoaders makes a request's loaders when a field or display row first needs them: most
// requests (a send, a mark-read) never do, and making all of them costs some 80 allocations.
type lazyLoaders struct {
	once  sync.Once
	store *db.Store
	l     *Loaders
}

func (z *lazyLoaders) get() *Loaders {
	z.once.Do(func() { z.l = newLoaders(z.store) })
	return z.l
}

// WithLoaders returns ctx with fresh per-request loaders: every field resolved under it, and
// every display row a REST handler loads with it, is batched and cached for that request only.
func (r *Resolver) WithLoaders(ctx context.Context) context.Context {
	return context.WithValue(ctx, loadersKey{}, &lazyLoaders{store: r.Store})
}

func (r *Resolver) loaders(ctx context.Context) *Loaders {
	if z, ok := ctx.Value(loadersKey{}).(*lazyLoaders); ok {
		return z.get()
	}
	return newLoaders(r.Store) // a call from another front door: unbatched but correct
}
