package resolvers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
)

func (r *mutationResolver) StartConversation(ctx context.Context, in graph.StartConversationInput) (*graph.StartConversationPayload, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	var first *db.SendInput
	if in.Message != nil && strings.TrimSpace(*in.Message) != "" {
		first = &db.SendInput{Type: db.TypeText, Body: *in.Message, ClientMessageID: deref(in.ClientMessageID)}
	}
	var res *db.StartResult
	switch {
	case (in.BookingID == nil) == (in.ListingID == nil):
		return nil, db.Invalid("bookingId", "give exactly one of bookingId and listingId")
	case in.BookingID != nil:
		res, err = r.Store.StartBookingConversation(ctx, v, int64(*in.BookingID), first)
	default:
		res, err = r.Store.StartListingConversation(ctx, v, strings.TrimPrefix(*in.ListingID, "lst_"), first)
	}
	if err != nil {
		return nil, err
	}
	return &graph.StartConversationPayload{Conversation: res.Thread, Message: res.Message, Created: res.Created}, nil
}

func (r *mutationResolver) SendMessage(ctx context.Context, in graph.SendMessageInput) (*graph.SendMessagePayload, error) {
	res, err := r.Send(ctx, in, "")
	if err != nil {
		return nil, err
	}
	return &graph.SendMessagePayload{Message: res.Message, Conversation: res.Thread, Created: res.Created}, nil
}

// Send is the sendMessage mutation for the REST routes that also name the thread's workshop
// (workshopOrgNr, "" for none): the send refuses another workshop's thread, and the result
// carries the booking's workshop, so those routes read nothing else.
func (r *Resolver) Send(ctx context.Context, in graph.SendMessageInput, workshopOrgNr string) (*db.SendResult, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	send, files, err := (&mutationResolver{r}).sendInput(ctx, v, in)
	if err != nil {
		return nil, err
	}
	send.WorkshopOrgNr = workshopOrgNr
	cleanup, err := r.storeFiles(ctx, files)
	if err != nil {
		return nil, err
	}
	res, err := r.Store.Send(ctx, v, send)
	if err != nil || !res.Created {
		cleanup() // nothing new refers to the stored files
	}
	if span := trace.SpanFromContext(ctx); err == nil && span.IsRecording() {
		// The webhook delivery of this message is a trace of its own that carries the same id.
		span.SetAttributes(attribute.String("parley.message_id", "msg_"+strconv.FormatInt(res.Message.ID, 10)))
	}
	return res, err
}

// sendInput validates a send, its files and its template, before any file is stored.
func (r *mutationResolver) sendInput(ctx context.Context, v db.Viewer, in graph.SendMessageInput) (db.SendInput, *pendingFiles, error) {
	cid, err := parseIntID("conversationId", "Conversation", in.ConversationID)
	if err != nil {
		return db.SendInput{}, nil, err
	}
	send := db.SendInput{ConversationID: cid, Type: db.TypeText, Body: deref(in.Body), ClientMessageID: deref(in.ClientMessageID)}
	if in.Type != nil {
		send.Type = strings.ToLower(string(*in.Type))
	}
	if in.ReplyToID != nil {
		id, err := parseIntID("replyToId", "Message", *in.ReplyToID)
		if err != nil {
			return send, nil, err
		}
		send.ReplyToID = &id
	}
	if in.TemplateID != nil {
		if err := r.applyTemplate(ctx, v, &send, *in.TemplateID, in.Variables); err != nil {
			return send, nil, err
		}
	}
	files, err := r.checkUploads(in.Attachments)
	if err != nil {
		return send, nil, err
	}
	send.Attachments = files.atts
	return send, files, send.Validate()
}

func (r *mutationResolver) applyTemplate(ctx context.Context, v db.Viewer, send *db.SendInput, id string, vars any) error {
	tid, err := parseIntID("templateId", "MessageTemplate", id)
	if err != nil {
		return err
	}
	t, err := r.Store.Template(ctx, v, tid)
	if err != nil {
		return err
	}
	values, err := templateValues(vars)
	if err != nil {
		return err
	}
	body, err := db.RenderTemplate(t.Content, values)
	if err != nil {
		return err
	}
	send.Body, send.TemplateID = body, &t.ID
	return nil
}

func templateValues(vars any) (map[string]string, error) {
	out := map[string]string{}
	if vars == nil {
		return out, nil
	}
	m, ok := vars.(map[string]any)
	if !ok {
		return nil, db.Invalid("variables", "must be an object of names to values")
	}
	for k, val := range m {
		switch x := val.(type) {
		case string:
			out[k] = x
		case nil:
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out, nil
}

func (r *mutationResolver) MarkConversationRead(ctx context.Context, in graph.MarkConversationReadInput) (*graph.MarkReadPayload, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	cid, err := parseIntID("conversationId", "Conversation", in.ConversationID)
	if err != nil {
		return nil, err
	}
	var upTo int64
	if in.UpToMessageID != nil {
		if upTo, err = parseIntID("upToMessageId", "Message", *in.UpToMessageID); err != nil {
			return nil, err
		}
	}
	res, err := r.Store.MarkThreadRead(ctx, v, cid, upTo, in.UpToTime)
	if err != nil {
		return nil, err
	}
	return r.readPayload(ctx, v, cid, res)
}

func (r *mutationResolver) MarkMessagesRead(ctx context.Context, in graph.MarkMessagesReadInput) (*graph.MarkReadPayload, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	cid, err := parseIntID("conversationId", "Conversation", in.ConversationID)
	if err != nil {
		return nil, err
	}
	if len(in.MessageIds) == 0 || len(in.MessageIds) > 500 {
		return nil, db.Invalid("messageIds", "give 1 to 500 message ids")
	}
	ids, err := parseIntIDs("messageIds", "Message", in.MessageIds)
	if err != nil {
		return nil, err
	}
	res, err := r.Store.MarkMessagesRead(ctx, v, cid, ids)
	if err != nil {
		return nil, err
	}
	return r.readPayload(ctx, v, cid, res)
}

func (r *mutationResolver) readPayload(ctx context.Context, v db.Viewer, cid int64, res *db.ReadResult) (*graph.MarkReadPayload, error) {
	t, err := r.Store.Thread(ctx, v, cid)
	if err != nil {
		return nil, err
	}
	return &graph.MarkReadPayload{Conversation: t, Updated: res.Updated, UnreadCount: res.UnreadCount, ReadAt: res.ReadAt}, nil
}

func (r *mutationResolver) MarkNotificationsRead(ctx context.Context, ids []string) (*graph.MarkNotificationsReadPayload, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 || len(ids) > 500 {
		return nil, db.Invalid("ids", "give 1 to 500 notification ids")
	}
	nids, err := parseIntIDs("ids", "Notification", ids)
	if err != nil {
		return nil, err
	}
	res, err := r.Store.MarkNotificationsRead(ctx, v, nids)
	if err != nil {
		return nil, err
	}
	return &graph.MarkNotificationsReadPayload{Updated: res.Updated, MessagesMarked: res.MessagesMarked}, nil
}

func (r *mutationResolver) MarkAllNotificationsRead(ctx context.Context) (*graph.MarkNotificationsReadPayload, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	res, err := r.Store.MarkNotificationsRead(ctx, v, nil)
	if err != nil {
		return nil, err
	}
	return &graph.MarkNotificationsReadPayload{Updated: res.Updated, MessagesMarked: res.MessagesMarked}, nil
}

func (r *mutationResolver) CreateMessageTemplate(ctx context.Context, in graph.CreateMessageTemplateInput) (*db.MessageTemplate, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	t := &db.MessageTemplate{Name: in.Name, Category: deref(in.Category), Content: in.Content}
	if err := r.Store.CreateTemplate(ctx, v, t); err != nil {
		return nil, err
	}
	return t, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
