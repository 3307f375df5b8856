package resolvers

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
)

// User

func (r *userResolver) ID(_ context.Context, u *db.User) (string, error) {
	return globalID("User", u.ID), nil
}
func (r *userResolver) UserID(_ context.Context, u *db.User) (string, error) { return u.ID, nil }
func (r *userResolver) Role(_ context.Context, u *db.User) (graph.Role, error) {
	return graph.Role(strings.ToUpper(u.Role)), nil
}

// Workshop

func (r *workshopResolver) ID(_ context.Context, w *db.Workshop) (string, error) {
	return globalID("Workshop", w.OrgNr), nil
}
func (r *workshopResolver) Logo(_ context.Context, w *db.Workshop) ([]any, error) {
	return decodeList(w.Logo)
}
func (r *workshopResolver) Categories(_ context.Context, w *db.Workshop) ([]any, error) {
	return decodeList(w.Categories)
}
func (r *workshopResolver) Services(ctx context.Context, w *db.Workshop) ([]*db.WorkshopService, error) {
	return loadList(ctx, r.loaders(ctx).services, w.OrgNr)
}
func (r *workshopResolver) CheapestServicePrice(ctx context.Context, w *db.Workshop) (*float64, error) {
	svcs, err := r.Services(ctx, w)
	if err != nil || len(svcs) == 0 {
		return nil, err
	}
	return &svcs[0].Price, nil // loaded cheapest first
}
func (r *workshopResolver) ServicesCount(ctx context.Context, w *db.Workshop) (int, error) {
	svcs, err := r.Services(ctx, w)
	return len(svcs), err
}

func decodeList(raw []json.RawMessage) ([]any, error) {
	out := make([]any, len(raw))
	for i, b := range raw {
		if err := json.Unmarshal(b, &out[i]); err != nil {
			return nil, fmt.Errorf("stored JSON: %w", err)
		}
	}
	return out, nil
}

func (r *workshopSearchResultResolver) Workshop(_ context.Context, h *db.WorkshopHit) (*db.Workshop, error) {
	return &h.Workshop, nil
}

// Booking and Listing

func (r *bookingResolver) ID(_ context.Context, b *db.Booking) (string, error) {
	return intGlobalID("Booking", b.ID), nil
}
func (r *bookingResolver) BookingID(_ context.Context, b *db.Booking) (int, error) {
	return int(b.ID), nil
}
func (r *bookingResolver) CarOwner(ctx context.Context, b *db.Booking) (*db.User, error) {
	return loadOne(ctx, r.loaders(ctx).users, b.CarOwnerID)
}
func (r *bookingResolver) Workshop(ctx context.Context, b *db.Booking) (*db.Workshop, error) {
	return loadOne(ctx, r.loaders(ctx).workshops, b.WorkshopOrgNr)
}

func (r *listingResolver) ID(_ context.Context, l *db.Listing) (string, error) {
	return globalID("Listing", l.ID), nil
}
func (r *listingResolver) ListingID(_ context.Context, l *db.Listing) (string, error) {
	return l.ID, nil
}
func (r *listingResolver) Seller(ctx context.Context, l *db.Listing) (*db.User, error) {
	return loadOne(ctx, r.loaders(ctx).users, l.SellerID)
}
func (r *listingResolver) Status(_ context.Context, l *db.Listing) (graph.ListingStatus, error) {
	return graph.ListingStatus(strings.ToUpper(l.Status)), nil
}

// Participant

func (r *participantResolver) User(ctx context.Context, p *db.Participant) (*db.User, error) {
	if p.OrgNr() != "" {
		return nil, nil
	}
	return loadOne(ctx, r.loaders(ctx).users, p.PartyID)
}
func (r *participantResolver) Workshop(ctx context.Context, p *db.Participant) (*db.Workshop, error) {
	if p.OrgNr() == "" {
		return nil, nil
	}
	return loadOne(ctx, r.loaders(ctx).workshops, p.OrgNr())
}
func (r *participantResolver) Role(_ context.Context, p *db.Participant) (graph.Role, error) {
	return graph.Role(strings.ToUpper(p.Role)), nil
}
func (r *participantResolver) Name(ctx context.Context, p *db.Participant) (string, error) {
	if p.OrgNr() != "" {
		w, err := r.Workshop(ctx, p)
		if err != nil {
			return "", err
		}
		return w.Name, nil
	}
	u, err := r.User(ctx, p)
	if err != nil {
		return "", err
	}
	return u.Name, nil
}
func (r *participantResolver) LastReadMessageID(_ context.Context, p *db.Participant) (*string, error) {
	if p.LastReadMessageID == 0 {
		return nil, nil
	}
	id := intGlobalID("Message", p.LastReadMessageID)
	return &id, nil
}
func (r *participantResolver) IsViewer(ctx context.Context, p *db.Participant) (bool, error) {
	v, err := viewer(ctx)
	return err == nil && v.Party() == p.PartyID, nil
}

// Conversation (a thread as the viewer sees it)

func (r *conversationResolver) ID(_ context.Context, t *db.Thread) (string, error) {
	return intGlobalID("Conversation", t.ID), nil
}
func (r *conversationResolver) ConversationID(_ context.Context, t *db.Thread) (string, error) {
	return strconv.FormatInt(t.ID, 10), nil
}
func (r *conversationResolver) Kind(_ context.Context, t *db.Thread) (graph.ConversationKind, error) {
	return graph.ConversationKind(strings.ToUpper(t.Kind)), nil
}
func (r *conversationResolver) Subject(ctx context.Context, t *db.Thread) (db.Subject, error) {
	if t.BookingID != nil {
		return r.Booking(ctx, t)
	}
	return r.Listing(ctx, t)
}
func (r *conversationResolver) Booking(ctx context.Context, t *db.Thread) (*db.Booking, error) {
	if t.BookingID == nil {
		return nil, nil
	}
	return loadOne(ctx, r.loaders(ctx).bookings, *t.BookingID)
}
func (r *conversationResolver) Listing(ctx context.Context, t *db.Thread) (*db.Listing, error) {
	if t.ListingID == nil {
		return nil, nil
	}
	return loadOne(ctx, r.loaders(ctx).listings, *t.ListingID)
}
func (r *conversationResolver) Participants(ctx context.Context, t *db.Thread) ([]*db.Participant, error) {
	return loadList(ctx, r.loaders(ctx).participants, t.ID)
}
func (r *conversationResolver) ViewerRole(_ context.Context, t *db.Thread) (graph.Role, error) {
	return graph.Role(strings.ToUpper(t.ViewerRole)), nil
}
func (r *conversationResolver) LastMessage(ctx context.Context, t *db.Thread) (*db.Message, error) {
	id, ok := t.LastVisibleMessageID()
	if !ok {
		return nil, nil
	}
	return loadOne(ctx, r.loaders(ctx).messages, id)
}
func (r *conversationResolver) UnreadCount(_ context.Context, t *db.Thread) (int, error) {
	return t.UnreadCount, nil
}
func (r *conversationResolver) TotalMessages(_ context.Context, t *db.Thread) (int, error) {
	return t.VisibleMessages(), nil
}
func (r *conversationResolver) Archived(_ context.Context, t *db.Thread) (bool, error) {
	return t.ArchivedAt != nil, nil
}
func (r *conversationResolver) LastReadAt(_ context.Context, t *db.Thread) (*time.Time, error) {
	return t.LastReadAt, nil
}
func (r *conversationResolver) Messages(ctx context.Context, t *db.Thread, first *int, before *string, last *int, after *string) (*graph.MessageConnection, error) {
	return r.threadMessages(ctx, t, messageArgs{first: first, after: after, last: last, before: before})
}

// Attachment

func (r *attachmentResolver) ID(_ context.Context, a *db.Attachment) (string, error) {
	return intGlobalID("Attachment", a.ID), nil
}
func (r *attachmentResolver) Size(_ context.Context, a *db.Attachment) (int, error) {
	return int(a.SizeBytes), nil
}

// URL is where a participant downloads the file: Parley's own route for stored files.
func (r *attachmentResolver) URL(_ context.Context, a *db.Attachment) (string, error) {
	if a.StorageKey == "" {
		return a.URL, nil
	}
	return "/attachments/" + strconv.FormatInt(a.ID, 10), nil
}

// Message

func (r *messageResolver) ID(_ context.Context, m *db.Message) (string, error) {
	return intGlobalID("Message", m.ID), nil
}
func (r *messageResolver) MessageID(_ context.Context, m *db.Message) (int, error) {
	return int(m.ID), nil
}
func (r *messageResolver) ConversationID(_ context.Context, m *db.Message) (string, error) {
	return intGlobalID("Conversation", m.ConversationID), nil
}
func (r *messageResolver) Type(_ context.Context, m *db.Message) (graph.MessageType, error) {
	return graph.MessageType(strings.ToUpper(m.Type)), nil
}
func (r *messageResolver) Body(_ context.Context, m *db.Message) (string, error) {
	if m.RemovedAt != nil {
		return "", nil
	}
	return m.Body, nil
}
func (r *messageResolver) Sender(ctx context.Context, m *db.Message) (*db.User, error) {
	if m.SenderUserID == nil {
		return nil, nil
	}
	return loadOne(ctx, r.loaders(ctx).users, *m.SenderUserID)
}
func (r *messageResolver) IsRead(_ context.Context, m *db.Message) (bool, error) {
	return m.ReadAt != nil, nil
}
func (r *messageResolver) Attachments(ctx context.Context, m *db.Message) ([]*db.Attachment, error) {
	return loadList(ctx, r.loaders(ctx).attachments, m.ID)
}
func (r *messageResolver) Removed(_ context.Context, m *db.Message) (bool, error) {
	return m.RemovedAt != nil, nil
}

// Notification

func (r *notificationResolver) ID(_ context.Context, n *db.Notification) (string, error) {
	return intGlobalID("Notification", n.ID), nil
}
func (r *notificationResolver) NotificationID(_ context.Context, n *db.Notification) (int, error) {
	return int(n.ID), nil
}
func (r *notificationResolver) Data(_ context.Context, n *db.Notification) (any, error) {
	var out any
	if err := json.Unmarshal(n.Data, &out); err != nil {
		return nil, fmt.Errorf("stored JSON: %w", err)
	}
	return out, nil
}

// Conversation is the thread the notification is about, if the viewer can still see it.
func (r *notificationResolver) Conversation(ctx context.Context, n *db.Notification) (*db.Thread, error) {
	if n.ConversationID == nil {
		return nil, nil
	}
	return optional(loadOne(ctx, r.loaders(ctx).threads, *n.ConversationID))
}

// Message is the message the notification is about, if the viewer can still see it.
func (r *notificationResolver) Message(ctx context.Context, n *db.Notification) (*db.Message, error) {
	if n.MessageID == nil {
		return nil, nil
	}
	t, err := r.Conversation(ctx, n)
	if t == nil || err != nil || *n.MessageID <= t.HiddenUpTo {
		return nil, err
	}
	return optional(loadOne(ctx, r.loaders(ctx).messages, *n.MessageID))
}

// optional turns "not found" into an absent value.
func optional[T any](v *T, err error) (*T, error) {
	if apierror.Code(err) == apierror.CodeNotFound {
		return nil, nil
	}
	return v, err
}

func (r *notificationResolver) IsRead(_ context.Context, n *db.Notification) (bool, error) {
	return n.ReadAt != nil, nil
}

// MessageTemplate

func (r *messageTemplateResolver) ID(_ context.Context, t *db.MessageTemplate) (string, error) {
	return intGlobalID("MessageTemplate", t.ID), nil
}
func (r *messageTemplateResolver) TemplateID(_ context.Context, t *db.MessageTemplate) (int, error) {
	return int(t.ID), nil
}
func (r *messageTemplateResolver) Variables(_ context.Context, t *db.MessageTemplate) ([]string, error) {
	return db.TemplateVariables(t.Content), nil
}
