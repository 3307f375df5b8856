package resolvers

import (
	"context"
	"strings"

	"github.com/parley/parley/db"
	"github.com/parley/parley/graph"
)

func (r *mutationResolver) ArchiveConversation(ctx context.Context, id string) (*graph.ConversationPayload, error) {
	return r.setArchived(ctx, id, true)
}

func (r *mutationResolver) UnarchiveConversation(ctx context.Context, id string) (*graph.ConversationPayload, error) {
	return r.setArchived(ctx, id, false)
}

func (r *mutationResolver) setArchived(ctx context.Context, id string, archived bool) (*graph.ConversationPayload, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	cid, err := parseIntID("conversationId", "Conversation", id)
	if err != nil {
		return nil, err
	}
	if err := r.Store.SetArchived(ctx, v, cid, archived); err != nil {
		return nil, err
	}
	t, err := r.Store.Thread(ctx, v, cid)
	if err != nil {
		return nil, err
	}
	return &graph.ConversationPayload{Conversation: t}, nil
}

func (r *mutationResolver) DeleteConversation(ctx context.Context, id string) (*graph.DeleteConversationPayload, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	cid, err := parseIntID("conversationId", "Conversation", id)
	if err != nil {
		return nil, err
	}
	if err := r.Store.DeleteConversation(ctx, v, cid); err != nil {
		return nil, err
	}
	return &graph.DeleteConversationPayload{ConversationID: intGlobalID("Conversation", cid)}, nil
}

func (r *mutationResolver) ReportMessage(ctx context.Context, in graph.ReportMessageInput) (*db.Report, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	mid, err := parseIntID("messageId", "Message", in.MessageID)
	if err != nil {
		return nil, err
	}
	return r.Store.ReportMessage(ctx, v, mid, strings.ToLower(string(in.Reason)), deref(in.Details))
}

type reportResolver struct{ *Resolver }

func (r *Resolver) Report() graph.ReportResolver { return &reportResolver{r} }

func (r *reportResolver) ID(_ context.Context, rp *db.Report) (string, error) {
	return intGlobalID("Report", rp.ID), nil
}
func (r *reportResolver) ReportID(_ context.Context, rp *db.Report) (int, error) {
	return int(rp.ID), nil
}
func (r *reportResolver) MessageID(_ context.Context, rp *db.Report) (string, error) {
	return intGlobalID("Message", rp.MessageID), nil
}
func (r *reportResolver) Reason(_ context.Context, rp *db.Report) (graph.ReportReason, error) {
	return graph.ReportReason(strings.ToUpper(rp.Reason)), nil
}
func (r *reportResolver) Status(_ context.Context, rp *db.Report) (graph.ReportStatus, error) {
	return graph.ReportStatus(strings.ToUpper(rp.Status)), nil
}
