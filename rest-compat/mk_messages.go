package restcompat

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/resolvers"
)

// mkSendFields is a send on the marketplace routes, JSON or multipart. ConversationID and
// ListingID are read on POST /api/messages only.
type mkSendFields struct {
	ConversationID string `json:"conversation_id"`
	ListingID      string `json:"listing_id"`
	Content        string `json:"content"`
	Message        string `json:"message"`
	Type           string `json:"type"`
	TemplateID     string `json:"template_id"`
	Variables      any    `json:"variables"`
	// ClientMessageID (or the Idempotency-Key header) makes a retry return the first send.
	ClientMessageID string `json:"client_message_id"`
}

var mkSendNames = fieldNames{"body": "content", "type": "type", "templateId": "template_id", "variables": "variables",
	"attachments": "attachment", "conversationId": "id", "clientMessageId": "client_message_id"}

// mkReadSend reads a JSON send, or a multipart one whose files come under "attachment"
// (variables, if any, as a JSON object in a form field).
func (a *api) mkReadSend(w http.ResponseWriter, r *http.Request) (mkSendFields, []*graph.AttachmentInput, error) {
	var body mkSendFields
	if !isMultipart(r) {
		return body, nil, decodeJSON(r, &body)
	}
	if err := a.parseMultipart(w, r); err != nil {
		return body, nil, err
	}
	body.ConversationID, body.ListingID = r.FormValue("conversation_id"), r.FormValue("listing_id")
	body.Content, body.Message, body.Type = r.FormValue("content"), r.FormValue("message"), r.FormValue("type")
	body.TemplateID, body.ClientMessageID = r.FormValue("template_id"), r.FormValue("client_message_id")
	if raw := r.FormValue("variables"); raw != "" {
		var vars map[string]any
		if err := json.Unmarshal([]byte(raw), &vars); err != nil {
			return body, nil, apierror.Invalid("variables", "must be a JSON object of names to values")
		}
		body.Variables = vars
	}
	atts, err := uploads(r, "attachment")
	return body, atts, err
}

// sendInput turns a send body into the resolver's input for conversation id.
func (b mkSendFields) sendInput(id string, atts []*graph.AttachmentInput) (graph.SendMessageInput, error) {
	in := graph.SendMessageInput{ConversationID: id, Body: &b.Content, Attachments: atts, Variables: b.Variables}
	if t := strings.TrimSpace(b.Type); t != "" {
		mt := graph.MessageType(strings.ToUpper(t))
		if !mt.IsValid() {
			return in, apierror.Invalid("type", "%q is not text, image, document or quick_reply", t)
		}
		in.Type = &mt
	}
	if b.TemplateID != "" {
		tid, err := mkParseID("template_id", mkPrefixTemplate, b.TemplateID)
		if err != nil {
			return in, err
		}
		in.TemplateID = &tid
	}
	return in, nil
}

// mkSend sends a message into a conversation: text, a template with variables, or files.
func (a *api) mkSend(w http.ResponseWriter, r *http.Request) {
	id, err := mkConversationParam(r)
	var body mkSendFields
	var atts []*graph.AttachmentInput
	if err == nil {
		body, atts, err = a.mkReadSend(w, r)
	}
	if err != nil {
		fail(w, r, familyMK, err)
		return
	}
	a.mkSendTo(w, r, id, body, atts, mkSendNames)
}

func (a *api) mkSendTo(w http.ResponseWriter, r *http.Request, id string, body mkSendFields, atts []*graph.AttachmentInput, names fieldNames) {
	in, err := body.sendInput(id, atts)
	if err == nil {
		in.ClientMessageID, err = idempotencyKey(r, body.ClientMessageID)
	}
	var res *graph.SendMessagePayload
	if err == nil {
		res, err = a.res.MutationRoot().SendMessage(r.Context(), in)
	}
	d := &display{}
	if err == nil {
		err = d.loadAttachments(r.Context(), a.res, []*resolvers.Message{res.Message})
	}
	if err != nil {
		fail(w, r, familyMK, names.rename(err))
		return
	}
	markReplay(w, res.Created)
	m := d.mkMessage(res.Message)
	ok(w, familyMK, http.StatusCreated, "", map[string]any{"message": map[string]any{
		"id": m.ID, "content": m.Content, "type": m.Type, "sent_at": m.SentAt, "attachments": m.Attachments}})
}

var mkLegacyNames = fieldNames{"body": "content", "type": "type", "templateId": "template_id", "variables": "variables",
	"attachments": "attachment", "conversationId": "conversation_id", "listingId": "listing_id", "bookingId": "listing_id",
	"clientMessageId": "client_message_id"}

// mkPostMessage is POST /api/messages: with conversation_id it sends into that conversation,
// with listing_id it starts one about the listing (content is the first message).
func (a *api) mkPostMessage(w http.ResponseWriter, r *http.Request) {
	body, atts, err := a.mkReadSend(w, r)
	hasConv, hasListing := strings.TrimSpace(body.ConversationID) != "", strings.TrimSpace(body.ListingID) != ""
	if err == nil && hasConv == hasListing {
		err = apierror.Invalid("conversation_id", "give conversation_id to send into a conversation, or listing_id to start one")
	}
	if err == nil && hasListing && (len(atts) > 0 || body.TemplateID != "") {
		err = apierror.Invalid("listing_id", "a conversation starts with text only; send files or templates into it afterwards")
	}
	if err != nil {
		fail(w, r, familyMK, err)
		return
	}
	if hasListing {
		msg := body.Content
		if strings.TrimSpace(msg) == "" {
			msg = body.Message
		}
		a.mkStartConversation(w, r, mkStartBody{ListingID: body.ListingID, Message: msg, ClientMessageID: body.ClientMessageID}, mkLegacyNames)
		return
	}
	id, err := mkParseID("conversation_id", mkPrefixConversation, body.ConversationID)
	if err != nil {
		fail(w, r, familyMK, err)
		return
	}
	a.mkSendTo(w, r, id, body, atts, mkLegacyNames)
}

// mkReadBody is the optional body of PUT .../read: no message_ids marks the whole conversation.
type mkReadBody struct {
	MessageIDs *[]string `json:"message_ids"`
}

var mkReadNames = fieldNames{"messageIds": "message_ids", "conversationId": "id"}

// mkRead marks the conversation, or the given messages, read for the caller. Only messages
// sent to the caller ever become read.
func (a *api) mkRead(w http.ResponseWriter, r *http.Request) {
	id, err := mkConversationParam(r)
	var body mkReadBody
	if err == nil {
		err = decodeJSON(r, &body)
	}
	var res *graph.MarkReadPayload
	switch {
	case err != nil:
	case body.MessageIDs == nil:
		res, err = a.res.MutationRoot().MarkConversationRead(r.Context(), graph.MarkConversationReadInput{ConversationID: id})
	default:
		var ids []string
		if ids, err = mkMessageIDs(*body.MessageIDs); err == nil {
			res, err = a.res.MutationRoot().MarkMessagesRead(r.Context(), graph.MarkMessagesReadInput{ConversationID: id, MessageIds: ids})
		}
	}
	if err != nil {
		fail(w, r, familyMK, mkReadNames.rename(err))
		return
	}
	ok(w, familyMK, http.StatusOK, "", map[string]any{"updated": res.Updated, "unread_count": res.UnreadCount})
}

func mkMessageIDs(raw []string) ([]string, error) {
	ids := make([]string, len(raw))
	for i, s := range raw {
		id, err := mkParseID("message_ids", mkPrefixMessage, s)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}

// mkReportBody is a report about a message.
type mkReportBody struct {
	Reason  string `json:"reason"`
	Details string `json:"details"`
}

var mkReportNames = fieldNames{"messageId": "msgId", "reason": "reason", "details": "details"}

// mkReport reports a message someone else sent the caller, once.
func (a *api) mkReport(w http.ResponseWriter, r *http.Request) {
	id, err := mkParseID("msgId", mkPrefixMessage, r.PathValue("msgId"))
	var body mkReportBody
	if err == nil {
		err = decodeJSON(r, &body)
	}
	reason := graph.ReportReason(strings.ToUpper(strings.TrimSpace(body.Reason)))
	if err == nil && !reason.IsValid() {
		err = apierror.Invalid("reason", "%q is not spam, harassment, fraud, inappropriate or other", body.Reason)
	}
	var rp *resolvers.Report
	if err == nil {
		rp, err = a.res.MutationRoot().ReportMessage(r.Context(), graph.ReportMessageInput{MessageID: id, Reason: reason, Details: &body.Details})
	}
	if err != nil {
		fail(w, r, familyMK, mkReportNames.rename(err))
		return
	}
	ok(w, familyMK, http.StatusCreated, "", map[string]any{"report": map[string]any{
		"id": mkWireID(mkPrefixReport, rp.ID), "message_id": mkWireID(mkPrefixMessage, rp.MessageID), "reason": rp.Reason,
		"details": rp.Details, "status": rp.Status, "created_at": ts(rp.CreatedAt)}})
}

// mkTemplate is a message template; content holds {{variable}} placeholders.
type mkTemplate struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Content  string `json:"content"`
}

func mkTemplateWire(t *resolvers.MessageTemplate) mkTemplate {
	return mkTemplate{ID: mkWireID(mkPrefixTemplate, t.ID), Name: t.Name, Category: t.Category, Content: t.Content}
}

func (a *api) mkTemplates(w http.ResponseWriter, r *http.Request) {
	ts, err := a.res.QueryRoot().MessageTemplates(r.Context())
	if err != nil {
		fail(w, r, familyMK, err)
		return
	}
	out := make([]mkTemplate, len(ts))
	for i, t := range ts {
		out[i] = mkTemplateWire(t)
	}
	ok(w, familyMK, http.StatusOK, "", map[string]any{"templates": out})
}

// mkTemplateBody is a new template.
type mkTemplateBody struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	Content  string `json:"content"`
}

// mkCreateTemplate stores a template of the caller's; a name the caller already uses is 409.
func (a *api) mkCreateTemplate(w http.ResponseWriter, r *http.Request) {
	var body mkTemplateBody
	err := decodeJSON(r, &body)
	var t *resolvers.MessageTemplate
	if err == nil {
		t, err = a.res.MutationRoot().CreateMessageTemplate(r.Context(),
			graph.CreateMessageTemplateInput{Name: body.Name, Category: &body.Category, Content: body.Content})
	}
	if err != nil {
		fail(w, r, familyMK, err)
		return
	}
	ok(w, familyMK, http.StatusCreated, "", map[string]any{"template": mkTemplateWire(t)})
}
