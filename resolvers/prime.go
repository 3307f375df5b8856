package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/parley/parley/db"
)

// primeInbox loads, in one statement per kind, what inbox rows show (subjects, last
// messages, participants and the people and workshops they name) and primes the loaders with
// it. Nested fields then read from the loaders without waiting for a batching window, so a
// page costs the same statements at any size however busy the machine is.
func (r *Resolver) primeInbox(ctx context.Context, v db.Viewer, threads []*db.Thread) error {
	if len(threads) == 0 {
		return nil
	}
	l := r.loaders(ctx)
	var convIDs, bookingIDs, lastIDs []int64
	var listingIDs []string
	for _, t := range threads {
		convIDs = append(convIDs, t.ID)
		l.threads.Prime(t.ID, t)
		if t.BookingID != nil {
			bookingIDs = append(bookingIDs, *t.BookingID)
		}
		if t.ListingID != nil {
			listingIDs = append(listingIDs, *t.ListingID)
		}
		if t.LastMessageID != nil {
			lastIDs = append(lastIDs, *t.LastMessageID)
		}
	}
	people := map[string]bool{}
	orgs := map[string]bool{}
	parts, err := r.Store.Participants(ctx, convIDs)
	if err != nil {
		return err
	}
	for _, id := range convIDs {
		l.participants.Prime(id, parts[id])
		for _, p := range parts[id] {
			if org := p.OrgNr(); org != "" {
				orgs[org] = true
			} else {
				people[p.PartyID] = true
			}
		}
	}
	if err := r.primeSubjects(ctx, bookingIDs, listingIDs, people, orgs); err != nil {
		return err
	}
	if err := r.primeMessages(ctx, v, lastIDs, people); err != nil {
		return err
	}
	return r.primePeople(ctx, people, orgs)
}

func (r *Resolver) primeSubjects(ctx context.Context, bookingIDs []int64, listingIDs []string, people, orgs map[string]bool) error {
	l := r.loaders(ctx)
	if len(bookingIDs) > 0 {
		bs, err := r.Store.BookingsByID(ctx, bookingIDs)
		if err != nil {
			return err
		}
		for _, b := range bs {
			l.bookings.Prime(b.ID, b)
			people[b.CarOwnerID], orgs[b.WorkshopOrgNr] = true, true
		}
	}
	if len(listingIDs) > 0 {
		ls, err := r.Store.ListingsByID(ctx, listingIDs)
		if err != nil {
			return err
		}
		for _, x := range ls {
			l.listings.Prime(x.ID, x)
			people[x.SellerID] = true
		}
	}
	return nil
}

func (r *Resolver) primeMessages(ctx context.Context, v db.Viewer, ids []int64, people map[string]bool) error {
	if len(ids) == 0 {
		return nil
	}
	l := r.loaders(ctx)
	msgs, err := r.Store.MessagesByID(ctx, v.Party(), ids)
	if err != nil {
		return err
	}
	var atts map[int64][]*db.Attachment
	if selects(ctx, "attachments") { // rarely asked of an inbox: else not worth a statement
		if atts, err = r.Store.AttachmentsByMessage(ctx, ids); err != nil {
			return err
		}
	}
	for _, m := range msgs {
		l.messages.Prime(m.ID, m)
		if atts != nil {
			l.attachments.Prime(m.ID, orEmpty(atts[m.ID]))
		}
		if m.SenderUserID != nil {
			people[*m.SenderUserID] = true
		}
	}
	return nil
}

func (r *Resolver) primePeople(ctx context.Context, people, orgs map[string]bool) error {
	l := r.loaders(ctx)
	if len(people) > 0 {
		us, err := r.Store.UsersByID(ctx, keys(people))
		if err != nil {
			return err
		}
		for _, u := range us {
			l.users.Prime(u.ID, u)
		}
	}
	if len(orgs) > 0 {
		ws, err := r.Store.WorkshopsByOrgNr(ctx, keys(orgs))
		if err != nil {
			return err
		}
		for _, w := range ws {
			l.workshops.Prime(w.OrgNr, w)
		}
	}
	return nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// selects reports whether the current field's selection asks, at any depth, for a field
// called name.
func selects(ctx context.Context, name string) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && selectsIn(fc.Field.Selections, name, 0)
}

func selectsIn(sel ast.SelectionSet, name string, depth int) bool {
	if depth > 20 { // fragments cannot cycle in a valid document; this bounds it anyway
		return false
	}
	for _, s := range sel {
		var sub ast.SelectionSet
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == name {
				return true
			}
			sub = s.SelectionSet
		case *ast.InlineFragment:
			sub = s.SelectionSet
		case *ast.FragmentSpread:
			if s.Definition != nil {
				sub = s.Definition.SelectionSet
			}
		}
		if selectsIn(sub, name, depth+1) {
			return true
		}
	}
	return false
}
