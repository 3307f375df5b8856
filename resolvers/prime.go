package resolvers

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/parley/parley/db"
)

// primeInbox loads what inbox rows show (subjects, last messages, participants and the people
// and workshops they name) in two statements (db.InboxDisplay) and primes the loaders with it.
// Nested fields then read from the loaders without waiting for a batching window, so a page
// costs the same statements at any size however busy the machine is. A person or workshop the
// two statements did not name (a participant of neither the subject nor the last message) is
// loaded here, in one statement per kind.
func (r *Resolver) primeInbox(ctx context.Context, v db.Viewer, threads []*db.Thread) error {
	if len(threads) == 0 {
		return nil
	}
	l := r.loaders(ctx)
	d, err := r.Store.InboxDisplay(ctx, v.Party(), threads)
	if err != nil {
		return err
	}
	for _, t := range threads {
		l.threads.Prime(t.ID, t)
		l.participants.Prime(t.ID, d.Participants[t.ID])
	}
	for _, b := range d.Bookings {
		l.bookings.Prime(b.ID, b)
	}
	for _, x := range d.Listings {
		l.listings.Prime(x.ID, x)
	}
	for _, u := range d.Users {
		l.users.Prime(u.ID, u)
	}
	for _, w := range d.Workshops {
		l.workshops.Prime(w.OrgNr, w)
	}
	if err := r.primeAttachments(ctx, d.Messages); err != nil {
		return err
	}
	people, orgs := unnamed(d)
	return r.primePeople(ctx, people, orgs)
}

// unnamed lists the people and workshops the page's rows name that d did not load.
func unnamed(d *db.InboxDisplay) (people, orgs []string) {
	loaded := make(map[string]bool, len(d.Users)+len(d.Workshops))
	for _, u := range d.Users {
		loaded[u.ID] = true
	}
	for _, w := range d.Workshops {
		loaded["org:"+w.OrgNr] = true
	}
	need := func(party string) {
		if loaded[party] {
			return
		}
		loaded[party] = true
		if org, ok := strings.CutPrefix(party, "org:"); ok {
			orgs = append(orgs, org)
		} else {
			people = append(people, party)
		}
	}
	for _, ps := range d.Participants {
		for _, p := range ps {
			need(p.PartyID)
		}
	}
	for _, b := range d.Bookings {
		need(b.CarOwnerID)
		need("org:" + b.WorkshopOrgNr)
	}
	for _, x := range d.Listings {
		need(x.SellerID)
	}
	for _, m := range d.Messages {
		if m.SenderUserID != nil {
			need(*m.SenderUserID)
		}
	}
	return people, orgs
}

// primeAttachments primes the last messages' attachments when the selection asks for them
// (rarely, of an inbox: else not worth a statement).
func (r *Resolver) primeAttachments(ctx context.Context, msgs []*db.Message) error {
	l := r.loaders(ctx)
	for _, m := range msgs {
		l.messages.Prime(m.ID, m)
	}
	if len(msgs) == 0 || !selects(ctx, "attachments") {
		return nil
	}
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	atts, err := r.Store.AttachmentsByMessage(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		l.attachments.Prime(id, orEmpty(atts[id]))
	}
	return nil
}

func (r *Resolver) primePeople(ctx context.Context, people, orgs []string) error {
	l := r.loaders(ctx)
	if len(people) > 0 {
		us, err := r.Store.UsersByID(ctx, people)
		if err != nil {
			return err
		}
		for _, u := range us {
			l.users.Prime(u.ID, u)
		}
	}
	if len(orgs) > 0 {
		ws, err := r.Store.WorkshopsByOrgNr(ctx, orgs)
		if err != nil {
			return err
		}
		for _, w := range ws {
			l.workshops.Prime(w.OrgNr, w)
		}
	}
	return nil
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
