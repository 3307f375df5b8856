package resolvers

import (
	"context"
	"strings"

	"github.com/parley/parley/auth"
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

func (r *reportResolver) Message(ctx context.Context, rp *db.Report) (*db.Message, error) {
	return optional(loadOne(ctx, r.loaders(ctx).messages, rp.MessageID))
}

func (r *reportResolver) Reporter(ctx context.Context, rp *db.Report) (*db.User, error) {
	return optional(loadOne(ctx, r.loaders(ctx).users, rp.ReporterID))
}

func (r *mutationResolver) BlockUser(ctx context.Context, userID string) (bool, error) {
	v, err := viewer(ctx)
	if err != nil {
		return false, err
	}
	return true, r.Store.Block(ctx, v, strings.TrimSpace(userID))
}

func (r *mutationResolver) UnblockUser(ctx context.Context, userID string) (bool, error) {
	v, err := viewer(ctx)
	if err != nil {
		return false, err
	}
	return true, r.Store.Unblock(ctx, v, strings.TrimSpace(userID))
}

func (r *queryResolver) BlockedUsers(ctx context.Context) ([]*db.User, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := r.Store.Blocked(ctx, v)
	if err != nil || len(ids) == 0 {
		return []*db.User{}, err
	}
	return r.Store.UsersByID(ctx, ids)
}

// Reports is the back office's moderation queue.
func (r *queryResolver) Reports(ctx context.Context, status *graph.ReportStatus, reason *graph.ReportReason, first *int, after *string) (*graph.ReportConnection, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	q := db.ReportQuery{}
	var err error
	if q.Limit, err = pageSize("first", first, 50, maxPage); err != nil {
		return nil, err
	}
	if q.After, err = parseTimeCursor("after", after); err != nil {
		return nil, err
	}
	if status != nil {
		q.Status = strings.ToLower(string(*status))
	}
	if reason != nil {
		q.Reason = strings.ToLower(string(*reason))
	}
	rs, more, err := r.Store.Reports(ctx, q)
	if err != nil {
		return nil, err
	}
	conn := &graph.ReportConnection{Nodes: rs, Edges: make([]*graph.ReportEdge, len(rs)),
		PageInfo: &graph.PageInfo{HasNextPage: more, HasPreviousPage: q.After != nil}}
	for i, rp := range rs {
		conn.Edges[i] = &graph.ReportEdge{Cursor: timeCursor(rp.CreatedAt, rp.ID), Node: rp}
	}
	setPageEnds(conn.PageInfo, conn.Edges, func(e *graph.ReportEdge) string { return e.Cursor })
	return conn, nil
}

// ResolveReport dismisses a report or removes the reported message (back office).
func (r *mutationResolver) ResolveReport(ctx context.Context, in graph.ResolveReportInput) (*db.Report, error) {
	if err := auth.BackOffice(ctx); err != nil {
		return nil, err
	}
	id, err := parseIntID("reportId", "Report", in.ReportID)
	if err != nil {
		return nil, err
	}
	note := strings.TrimSpace(deref(in.Note))
	if len([]rune(note)) > 2000 {
		return nil, db.Invalid("note", "must be at most 2000 characters")
	}
	return r.Store.ResolveReport(ctx, id, in.Action == graph.ReportActionRemoveMessage, note)
}
