package db

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// The data of webhook events, in the marketplace REST routes' wire form (rest-compat/mk*.go):
// prefixed string ids (conv_12, msg_7, lst_abc, ntf_3, rpt_1, usr_per), snake_case fields,
// RFC 3339 times. A workshop party has no user id; it shows as org_<org_nr> with its org_nr.

func wireID(prefix string, id int64) string { return prefix + strconv.FormatInt(id, 10) }

// wireUserID shows a user id with the usr_ prefix, unless it already has it.
func wireUserID(id string) string {
	if strings.HasPrefix(id, "usr_") {
		return id
	}
	return "usr_" + id
}

func wireTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// whParty is a participant: a user, or a workshop.
type whParty struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	OrgNr string `json:"org_nr,omitempty"`
}

func partyWire(party, role string) whParty {
	if org, ok := strings.CutPrefix(party, "org:"); ok {
		return whParty{ID: "org_" + org, Type: role, OrgNr: org}
	}
	return whParty{ID: wireUserID(party), Type: role}
}

type whConversation struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"`
	BookingID    *int64    `json:"booking_id,omitempty"`
	ListingID    *string   `json:"listing_id,omitempty"`
	Participants []whParty `json:"participants"`
	CreatedAt    string    `json:"created_at"`
}

func conversationWire(c *Conversation, parts []*Participant) whConversation {
	out := whConversation{ID: wireID("conv_", c.ID), Kind: c.Kind, BookingID: c.BookingID,
		Participants: []whParty{}, CreatedAt: wireTime(c.CreatedAt)}
	if c.ListingID != nil {
		l := "lst_" + *c.ListingID
		out.ListingID = &l
	}
	for _, p := range parts {
		out.Participants = append(out.Participants, partyWire(p.PartyID, p.Role))
	}
	return out
}

type whAttachment struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

type whMessage struct {
	ID             string         `json:"id"`
	ConversationID string         `json:"conversation_id"`
	Content        string         `json:"content"`
	SenderID       string         `json:"sender_id"`
	SenderType     string         `json:"sender_type"`
	Type           string         `json:"type"`
	SentAt         string         `json:"sent_at"`
	Attachments    []whAttachment `json:"attachments"`
}

func messageWire(m *Message, atts []*Attachment) whMessage {
	sender := wireUserID(m.SenderPartyID)
	if m.SenderUserID != nil {
		sender = wireUserID(*m.SenderUserID)
	}
	content := m.Body
	if m.RemovedAt != nil {
		content = ""
	}
	out := whMessage{ID: wireID("msg_", m.ID), ConversationID: wireID("conv_", m.ConversationID), Content: content,
		SenderID: sender, SenderType: m.SenderRole, Type: m.Type, SentAt: wireTime(m.CreatedAt), Attachments: []whAttachment{}}
	for _, a := range atts {
		url := a.URL
		if a.StorageKey != "" {
			url = "/attachments/" + strconv.FormatInt(a.ID, 10)
		}
		out.Attachments = append(out.Attachments, whAttachment{ID: a.ID, Name: a.Name, URL: url, ContentType: a.ContentType, Size: a.SizeBytes})
	}
	return out
}

type whNotification struct {
	ID        string         `json:"id"`
	UserID    string         `json:"user_id"`
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Body      string         `json:"body"`
	Data      map[string]any `json:"data"`
	CreatedAt string         `json:"created_at"`
}

func notificationWire(n *Notification) whNotification {
	return whNotification{ID: wireID("ntf_", n.ID), UserID: wireUserID(n.UserID), Type: n.Type, Title: n.Title,
		Body: n.Body, Data: notificationDataWire(n.Data), CreatedAt: wireTime(n.CreatedAt)}
}

// notificationDataWire prefixes the ids a notification's data names, as the REST routes do.
func notificationDataWire(raw json.RawMessage) map[string]any {
	out := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || out == nil {
		return map[string]any{}
	}
	for key, prefix := range map[string]string{"conversation_id": "conv_", "message_id": "msg_", "endpoint_id": "wh_"} {
		if n, ok := out[key].(json.Number); ok {
			out[key] = prefix + n.String()
		}
	}
	if s, ok := out["listing_id"].(string); ok && !strings.HasPrefix(s, "lst_") {
		out["listing_id"] = "lst_" + s
	}
	return out
}

type whReport struct {
	ID         string `json:"id"`
	MessageID  string `json:"message_id"`
	ReporterID string `json:"reporter_id"`
	Reason     string `json:"reason"`
	Details    string `json:"details"`
	Status     string `json:"status"`
	CreatedAt  string `json:"created_at"`
}

func reportWire(r *Report) whReport {
	return whReport{ID: wireID("rpt_", r.ID), MessageID: wireID("msg_", r.MessageID), ReporterID: wireUserID(r.ReporterID),
		Reason: r.Reason, Details: r.Details, Status: r.Status, CreatedAt: wireTime(r.CreatedAt)}
}
