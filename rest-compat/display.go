package restcompat

import (
	"context"
	"maps"
	"strconv"
	"time"

	"github.com/parley/parley/resolvers"
)

// display is the data rows show beside what the resolvers returned: subjects, names, last
// messages and attachments, loaded in one batch per kind for rows already authorised.
type display struct {
	bookings    map[int64]*resolvers.Booking
	workshops   map[string]*resolvers.Workshop
	users       map[string]*resolvers.User
	listings    map[string]*resolvers.Listing
	lastMsgs    map[int64]*resolvers.Message
	attachments map[int64][]*resolvers.Attachment
}

// loadDisplay loads what threads and messages refer to, as party sees them.
func (a *api) loadDisplay(ctx context.Context, party string, threads []*resolvers.Thread, msgs []*resolvers.Message) (*display, error) {
	d := &display{bookings: map[int64]*resolvers.Booking{}, workshops: map[string]*resolvers.Workshop{}, users: map[string]*resolvers.User{},
		listings: map[string]*resolvers.Listing{}, lastMsgs: map[int64]*resolvers.Message{}, attachments: map[int64][]*resolvers.Attachment{}}
	var bookingIDs, lastIDs []int64
	var listingIDs []string
	for _, t := range threads {
		if t.BookingID != nil {
			bookingIDs = append(bookingIDs, *t.BookingID)
		}
		if t.ListingID != nil {
			listingIDs = append(listingIDs, *t.ListingID)
		}
		if id, ok := t.LastVisibleMessageID(); ok {
			lastIDs = append(lastIDs, id)
		}
	}
	if err := d.loadSubjects(ctx, a.res, bookingIDs, listingIDs); err != nil {
		return nil, err
	}
	if len(lastIDs) > 0 {
		last, err := a.res.MessagesByID(ctx, lastIDs)
		if err != nil {
			return nil, err
		}
		for _, m := range last {
			d.lastMsgs[m.ConversationID] = m
			msgs = append(msgs, m)
		}
	}
	return d, d.loadAttachments(ctx, a.res, msgs)
}

func (d *display) loadSubjects(ctx context.Context, res *resolvers.Resolver, bookingIDs []int64, listingIDs []string) error {
	var userIDs, orgNrs []string
	var err error
	if len(bookingIDs) > 0 {
		if d.bookings, err = res.BookingsByID(ctx, bookingIDs); err != nil {
			return err
		}
		for _, b := range d.bookings {
			userIDs, orgNrs = append(userIDs, b.CarOwnerID), append(orgNrs, b.WorkshopOrgNr)
		}
	}
	if len(listingIDs) > 0 {
		if d.listings, err = res.ListingsByID(ctx, listingIDs); err != nil {
			return err
		}
		for _, l := range d.listings {
			userIDs = append(userIDs, l.SellerID)
		}
	}
	return d.loadPeople(ctx, res, userIDs, orgNrs)
}

// loadPeople adds users and workshops by id.
func (d *display) loadPeople(ctx context.Context, res *resolvers.Resolver, userIDs, orgNrs []string) error {
	if len(userIDs) > 0 {
		us, err := res.UsersByID(ctx, userIDs)
		if err != nil {
			return err
		}
		maps.Copy(d.users, us)
	}
	if len(orgNrs) > 0 {
		ws, err := res.WorkshopsByOrgNr(ctx, orgNrs)
		if err != nil {
			return err
		}
		maps.Copy(d.workshops, ws)
	}
	return nil
}

func (d *display) loadAttachments(ctx context.Context, res *resolvers.Resolver, msgs []*resolvers.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	as, err := res.AttachmentsOf(ctx, ids)
	if err != nil {
		return err
	}
	d.attachments = as
	return nil
}

func (d *display) userName(id string) string {
	if u := d.users[id]; u != nil {
		return u.Name
	}
	return ""
}

func (d *display) workshopName(orgNr string) string {
	if w := d.workshops[orgNr]; w != nil {
		return w.Name
	}
	return ""
}

// attachmentWire is an attachment as every family shows it.
type attachmentWire struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

func (d *display) attachmentsOf(messageID int64) []attachmentWire {
	out := []attachmentWire{}
	for _, a := range d.attachments[messageID] {
		url := a.URL
		if a.StorageKey != "" {
			url = "/attachments/" + strconv.FormatInt(a.ID, 10)
		}
		out = append(out, attachmentWire{ID: a.ID, Name: a.Name, URL: url, ContentType: a.ContentType, Size: a.SizeBytes})
	}
	return out
}

// wireTime is RFC 3339 in UTC with the microseconds PostgreSQL keeps, so a time a client got
// from Parley (a message's created_at, sent_at) selects exactly that message when sent back.
const wireTime = "2006-01-02T15:04:05.000000Z07:00"

// timeString is t in wireTime, or nil.
func timeString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

func ts(t time.Time) string { return t.UTC().Format(wireTime) }

// messageText is what a message says, or nothing once a moderator removed it.
func messageText(m *resolvers.Message) string {
	if m.RemovedAt != nil {
		return ""
	}
	return m.Body
}
