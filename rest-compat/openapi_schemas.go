package restcompat

import (
	"maps"
	"slices"
)

// The schemas of the OpenAPI document: the legacy wire types, request bodies per route, and
// which route answers which body. Kept apart from openapi.go, which only walks the route table.

// oaObj is an object schema with the given properties, all of them required unless listed in
// optional: the legacy clients rely on every documented field being present.
func oaObj(props map[string]any, optional ...string) map[string]any {
	var req []any
	for _, name := range slices.Sorted(maps.Keys(props)) {
		if !slices.Contains(optional, name) {
			req = append(req, name)
		}
	}
	out := map[string]any{"type": "object", "properties": props}
	if len(req) > 0 {
		out["required"] = req
	}
	return out
}

var (
	oaStr      = map[string]any{"type": "string"}
	oaInteger  = map[string]any{"type": "integer"}
	oaNumber   = map[string]any{"type": "number"}
	oaBoolean  = map[string]any{"type": "boolean"}
	oaAnyObj   = map[string]any{"type": "object"}
	oaDateTime = map[string]any{"type": "string", "format": "date-time"}
	// nullable types: a field without a value is null (read_at of an unread item, a missing link)
	oaStrOrNull      = map[string]any{"type": []any{"string", "null"}}
	oaDateTimeOrNull = map[string]any{"type": []any{"string", "null"}, "format": "date-time"}
	oaNumberOrNull   = map[string]any{"type": []any{"number", "null"}}
	oaBinaryFile     = map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}
)

func oaArrayOf(items any) map[string]any { return map[string]any{"type": "array", "items": items} }

// oaWsEnvelope wraps data in the workshop envelope, with extra top-level fields.
func oaWsEnvelope(data any, extra map[string]any) map[string]any {
	props := map[string]any{"success": oaBoolean, "message": oaStr, "data": data}
	for k, v := range extra {
		props[k] = v
	}
	return oaObj(props)
}

func oaMkEnvelope(data any) map[string]any {
	return oaObj(map[string]any{"success": oaBoolean, "data": data})
}

func openAPISchemas() map[string]any {
	return map[string]any{
		"ErrorDetail": oaObj(map[string]any{"code": oaStr, "message": oaStr,
			"field": map[string]any{"type": "string", "description": "the parameter or body field at fault, when one is"}}, "field"),
		"Meta":      oaObj(map[string]any{"request_id": oaStr, "generated_at": oaDateTime}),
		"COError":   oaObj(map[string]any{"error": oaRef("ErrorDetail"), "meta": oaRef("Meta")}),
		"WSError":   oaObj(map[string]any{"success": map[string]any{"const": false}, "message": oaStr, "error": oaRef("ErrorDetail")}),
		"MKError":   oaObj(map[string]any{"success": map[string]any{"const": false}, "error": oaRef("ErrorDetail")}),
		"Preflight": oaObj(map[string]any{"data": oaAnyObj, "meta": oaRef("Meta")}),
		"Attachment": oaObj(map[string]any{"id": oaInteger, "name": oaStr, "url": oaStr, "content_type": oaStr,
			"size": oaInteger}),
		"AttachmentDescriptor": oaObj(map[string]any{"url": map[string]any{"type": "string", "format": "uri"},
			"content_type": oaStr, "name": oaStr, "size": oaInteger}, "name", "size"),
		"BookingMessage":      oaBookingMessageSchema(),
		"InboxRow":            oaInboxRowSchema(),
		"PageMeta":            oaPageMetaSchema(),
		"PageLinks":           oaObj(map[string]any{"self": oaStr, "first": oaStr, "prev": oaStrOrNull, "next": oaStrOrNull, "last": oaStr}),
		"ReadResult":          oaObj(map[string]any{"updated": oaInteger, "json_updated": oaInteger, "unread_count": oaInteger, "read_at": oaDateTimeOrNull}),
		"SentMessage":         oaObj(map[string]any{"message": oaRef("BookingMessage"), "unread_count": oaInteger}),
		"Workshop":            oaWorkshopSchema(),
		"Notification":        oaObj(map[string]any{"id": oaInteger, "type": oaStr, "title": oaStr, "body": oaStr, "data": oaAnyObj, "is_read": oaBoolean, "created_at": oaDateTime, "read_at": oaDateTimeOrNull}),
		"NotificationsMarked": oaObj(map[string]any{"updated": oaInteger, "messages_marked": oaInteger}),
		"MKListing":           oaObj(map[string]any{"id": oaStr, "title": oaStr, "thumbnail": oaStr, "price": oaNumber, "status": oaStr}),
		"MKParticipant":       oaObj(map[string]any{"id": oaStr, "name": oaStr, "avatar": oaStr, "type": oaStr, "verified": oaBoolean}),
		"MKPresence":          oaObj(map[string]any{"id": oaStr, "name": oaStr, "type": oaStr, "verified": oaBoolean, "online": oaBoolean}),
		"MKMessage": oaObj(map[string]any{"id": oaStr, "content": oaStr, "sender_id": oaStr, "type": oaStr, "read": oaBoolean,
			"read_at": oaDateTimeOrNull, "sent_at": oaDateTime, "attachments": oaArrayOf(oaRef("Attachment")), "removed": oaBoolean,
			"unsent": oaBoolean, "edited_at": oaDateTimeOrNull}),
		"MKSent": oaObj(map[string]any{"id": oaStr, "content": oaStr, "type": oaStr, "sent_at": oaDateTime,
			"attachments": oaArrayOf(oaRef("Attachment"))}),
		"MKNotification": oaObj(map[string]any{"id": oaStr, "type": oaStr, "title": oaStr, "body": oaStr, "data": oaAnyObj,
			"read": oaBoolean, "read_at": oaDateTimeOrNull, "created_at": oaDateTime}),
		"MKConversations":       oaMKConversations(),
		"MKConversation":        oaMKConversation(),
		"MKStarted":             oaMKStarted(),
		"MKUnread":              oaMkEnvelope(oaObj(map[string]any{"unread_count": oaInteger, "conversations_with_unread": oaInteger})),
		"MKArchived":            oaMkEnvelope(oaObj(map[string]any{"conversation": oaObj(map[string]any{"id": oaStr, "archived": oaBoolean})})),
		"MKSentEnvelope":        oaMkEnvelope(oaObj(map[string]any{"message": oaRef("MKSent")})),
		"MKNotificationsMarked": oaMkEnvelope(oaRef("NotificationsMarked")),
		"MKTemplate":            oaObj(map[string]any{"id": oaStr, "name": oaStr, "category": oaStr, "content": oaStr}),
		"BOWebhook":             oaBOWebhookSchema(),
		"BODelivery":            oaBODeliverySchema(),
		"BOWebhookEnvelope":     oaMkEnvelope(oaObj(map[string]any{"webhook": oaRef("BOWebhook")})),
	}
}

func oaBOWebhookSchema() map[string]any {
	s := oaObj(map[string]any{"id": oaStr, "url": oaStr, "events": oaArrayOf(oaStr), "description": oaStr, "active": oaBoolean,
		"org_nr": oaStrOrNull, "user_id": oaStrOrNull, "disabled_reason": oaStrOrNull, "previous_secret_expires_at": oaDateTimeOrNull,
		"created_at": oaDateTime, "updated_at": oaDateTime,
		"secret": map[string]any{"type": "string", "description": "whsec_...: only in the answers of a create and a rotation"}}, "secret")
	s["description"] = "A webhook endpoint. org_nr or user_id scope it to one owner's events; both null: every event."
	return s
}

func oaBODeliverySchema() map[string]any {
	attempt := oaObj(map[string]any{"started_at": oaDateTime, "duration_ms": oaInteger,
		"status_code": map[string]any{"type": []any{"integer", "null"}}, "error": oaStr, "response_body": oaStr})
	s := oaObj(map[string]any{"id": oaStr, "webhook_id": oaStr, "event_id": oaStr, "event_type": oaStr,
		"status":          map[string]any{"type": "string", "enum": []any{"pending", "delivered", "failed"}},
		"next_attempt_at": oaDateTimeOrNull, "delivered_at": oaDateTimeOrNull, "created_at": oaDateTime,
		"payload":  oaObj(map[string]any{"id": oaStr, "type": oaStr, "timestamp": oaDateTime, "data": oaAnyObj}),
		"attempts": oaArrayOf(attempt)})
	s["description"] = "One event on its way to one endpoint. event_id is the webhook-id header, the same on every attempt and replay."
	return s
}

func oaBookingMessageSchema() map[string]any {
	s := oaObj(map[string]any{"id": oaInteger, "booking_id": oaInteger, "workshop_org_nr": oaStr,
		"sender_type":  map[string]any{"type": "string", "enum": []any{"car_owner", "workshop"}},
		"message_text": oaStr, "attachments": oaArrayOf(oaRef("Attachment")), "is_read": oaBoolean, "created_at": oaDateTime,
		"text": oaStr, "message": oaStr, "content": oaStr, "sender_role": oaStr, "from": oaStr, "unread": oaBoolean, "removed": oaBoolean,
		"unsent": oaBoolean, "edited_at": oaDateTimeOrNull})
	s["description"] = "text, message and content equal message_text; sender_role and from equal sender_type; unread is !is_read; removed: a moderator removed it (its text is then empty)"
	return s
}

func oaInboxRowSchema() map[string]any {
	s := oaObj(map[string]any{"id": oaInteger, "thread_id": oaStr, "booking_id": oaInteger, "workshop_org_nr": oaStr,
		"workshop_name": oaStr, "car_owner_id": oaStr, "car_owner_name": oaStr, "org_nr": oaStr,
		"last_message": map[string]any{"description": "a BookingMessage, or {} for a thread without one", "type": "object"},
		"unread_count": oaInteger, "total_messages": oaInteger, "updated_at": oaDateTime, "read_at": oaDateTimeOrNull},
		"workshop_name", "car_owner_id", "car_owner_name")
	s["description"] = "A booking thread. Car owners see workshop_name; workshops see car_owner_id and car_owner_name instead."
	return s
}

func oaPageMetaSchema() map[string]any {
	s := oaObj(map[string]any{"page": oaInteger, "page_size": oaInteger, "page_size_clamped": oaBoolean, "total": oaInteger,
		"total_pages": oaInteger, "has_next": oaBoolean, "has_prev": oaBoolean, "unread_total": oaInteger, "org_nr": oaStr,
		"unread_count": oaInteger, "booking_id": oaInteger}, "unread_total", "org_nr", "unread_count", "booking_id")
	s["description"] = "Inbox and notification lists add unread_total; thread pages add org_nr, unread_count and booking_id. " +
		"page_size_clamped: a page size over the maximum was asked for and page_size was served."
	return s
}

func oaWorkshopSchema() map[string]any {
	return oaObj(map[string]any{"org_nr": oaStr, "name": oaStr, "address_line": oaStr, "city": oaStr, "postal_code": oaStr,
		"latitude": oaNumberOrNull, "longitude": oaNumberOrNull, "distance_km": oaNumberOrNull, "logo": oaArrayOf(oaAnyObj),
		"categories": oaArrayOf(oaAnyObj), "avg_rating": oaNumber, "total_reviews": oaInteger,
		"cheapest_service_price": oaNumberOrNull, "services_count": oaInteger})
}

// oaPage is a {data, meta, links} list of items.
func oaPage(items string) map[string]any {
	return oaObj(map[string]any{"data": oaArrayOf(oaRef(items)), "meta": oaRef("PageMeta"), "links": oaRef("PageLinks")})
}

// oaResponseSchemas are the documented success bodies, by "METHOD path".
var oaResponseSchemas = map[string]any{
	"GET /api/co/filters/search":                             oaObj(map[string]any{"results": oaArrayOf(oaRef("Workshop")), "count": oaInteger, "query": oaStr}),
	"GET /api/co/messages/inbox":                             oaPage("InboxRow"),
	"POST /api/co/messages/mark-read":                        oaRef("ReadResult"),
	"POST /api/co/messages/send":                             oaRef("SentMessage"),
	"GET /api/co/messages/thread/{booking_id}":               oaPage("BookingMessage"),
	"GET /api/co/messages/{booking_id}":                      oaPage("BookingMessage"),
	"GET /api/co/messages/{booking_id}/messages":             oaPage("BookingMessage"),
	"POST /api/co/messages/thread/{booking_id}/read-up-to":   oaRef("ReadResult"),
	"POST /api/co/messages/{booking_id}/messages/read-up-to": oaRef("ReadResult"),
	"GET /api/co/notifications":                              oaPage("Notification"),
	"POST /api/co/notifications/mark-read":                   oaRef("NotificationsMarked"),
	"POST /api/co/notifications/read-all":                    oaRef("NotificationsMarked"),
	"GET /api/co/notifications/unread-count":                 oaObj(map[string]any{"data": oaObj(map[string]any{"unread_count": oaInteger}), "meta": oaRef("Meta")}),
	"GET /api/co/notifications/{id}":                         oaRef("Notification"),

	"GET /api/ws/messages":                           oaWsPage("InboxRow"),
	"POST /api/ws/messages":                          oaWsEnvelope(oaRef("SentMessage"), nil),
	"GET /api/ws/messages/thread":                    oaWsPage("BookingMessage"),
	"GET /api/ws/messages/thread/{booking_id}":       oaWsPage("BookingMessage"),
	"POST /api/ws/messages/thread/{booking_id}/send": oaWsEnvelope(oaRef("SentMessage"), nil),

	"GET /v1/messages/conversations":                 oaRef("MKConversations"),
	"GET /api/messages":                              oaRef("MKConversations"),
	"GET /v1/messages/conversations/{id}":            oaRef("MKConversation"),
	"GET /api/messages/{threadId}":                   oaRef("MKConversation"),
	"POST /v1/messages/conversations":                oaRef("MKStarted"),
	"POST /v1/messages/conversations/{id}":           oaRef("MKSentEnvelope"),
	"POST /api/messages":                             map[string]any{"oneOf": []any{oaRef("MKSentEnvelope"), oaRef("MKStarted")}},
	"PUT /v1/messages/conversations/{id}/read":       oaMkEnvelope(oaObj(map[string]any{"updated": oaInteger, "unread_count": oaInteger})),
	"PUT /v1/messages/conversations/{id}/archive":    oaRef("MKArchived"),
	"DELETE /v1/messages/conversations/{id}/archive": oaRef("MKArchived"),
	"PATCH /api/messages/{threadId}/archive":         oaRef("MKArchived"),
	"DELETE /v1/messages/conversations/{id}":         oaMkEnvelope(oaObj(map[string]any{"deleted": oaBoolean, "id": oaStr})),
	"GET /v1/messages/templates":                     oaMkEnvelope(oaObj(map[string]any{"templates": oaArrayOf(oaRef("MKTemplate"))})),
	"POST /v1/messages/templates":                    oaMkEnvelope(oaObj(map[string]any{"template": oaRef("MKTemplate")})),
	"GET /v1/messages/unread":                        oaRef("MKUnread"),
	"GET /api/messages/unread":                       oaRef("MKUnread"),
	"POST /v1/messages/{msgId}/report": oaMkEnvelope(oaObj(map[string]any{"report": oaObj(map[string]any{"id": oaStr, "message_id": oaStr,
		"reason": oaStr, "details": oaStr, "status": oaStr, "created_at": oaDateTime})})),
	"GET /api/notifications": oaMkEnvelope(oaObj(map[string]any{"notifications": oaArrayOf(oaRef("MKNotification")),
		"pagination": oaObj(map[string]any{"page": oaInteger, "limit": oaInteger, "total": oaInteger, "limit_clamped": oaBoolean}), "unread_count": oaInteger})),
	"GET /api/notifications/unread-count": oaMkEnvelope(oaObj(map[string]any{"unread_count": oaInteger})),
	"PATCH /api/notifications/{id}/read":  oaRef("MKNotificationsMarked"),
	"PATCH /api/notifications/read-all":   oaRef("MKNotificationsMarked"),

	"POST /v1/webhooks":                    oaRef("BOWebhookEnvelope"),
	"GET /v1/webhooks":                     oaMkEnvelope(oaObj(map[string]any{"webhooks": oaArrayOf(oaRef("BOWebhook"))})),
	"PATCH /v1/webhooks/{id}":              oaRef("BOWebhookEnvelope"),
	"DELETE /v1/webhooks/{id}":             oaMkEnvelope(oaObj(map[string]any{"deleted": oaBoolean, "id": oaStr})),
	"POST /v1/webhooks/{id}/rotate-secret": oaRef("BOWebhookEnvelope"),
	"GET /v1/webhooks/{id}/deliveries": oaMkEnvelope(oaObj(map[string]any{"deliveries": oaArrayOf(oaRef("BODelivery")),
		"pagination": oaObj(map[string]any{"page": oaInteger, "limit": oaInteger, "total": oaInteger, "limit_clamped": oaBoolean})})),
	"POST /v1/webhooks/deliveries/{id}/replay": oaMkEnvelope(oaObj(map[string]any{"delivery": oaRef("BODelivery")})),
}

// oaWsPage is a workshop list: the car-owner page inside the workshop envelope.
func oaWsPage(items string) map[string]any {
	return oaWsEnvelope(oaArrayOf(oaRef(items)), map[string]any{"meta": oaRef("PageMeta"), "links": oaRef("PageLinks")})
}

// oaCreated are the success statuses of routes that create something; the rest answer 200. A
// start answers 201 when it created the conversation and 200 when it found it.
var oaCreated = map[string][]string{
	"POST /api/co/messages/send":                     {"201"},
	"POST /api/ws/messages":                          {"201"},
	"POST /api/ws/messages/thread/{booking_id}/send": {"201"},
	"POST /api/messages":                             {"200", "201"},
	"POST /v1/messages/conversations":                {"200", "201"},
	"POST /v1/messages/conversations/{id}":           {"201"},
	"POST /v1/messages/templates":                    {"201"},
	"POST /v1/messages/{msgId}/report":               {"201"},
	"POST /v1/webhooks":                              {"201"},
}

var oaAttachments = oaArrayOf(oaRef("AttachmentDescriptor"))

// oaClientMessageID is a send's idempotency key (or the Idempotency-Key header).
var oaClientMessageID = map[string]any{"type": "string", "maxLength": 128,
	"description": "idempotency key, or the Idempotency-Key header: a retry of the same message returns the first one; another message under the same key is 409"}

// oaJsonBodies are the documented JSON request bodies, by "METHOD path".
var oaJsonBodies = map[string]any{
	"POST /api/co/messages/mark-read": oaObj(map[string]any{"thread_id": oaStr, "last_read_id": oaInteger, "last_read_at": oaDateTime},
		"last_read_id", "last_read_at"),
	"POST /api/co/messages/send": oaObj(map[string]any{"thread_id": oaStr, "message": oaStr, "org_nr": oaStr, "attachments": oaAttachments,
		"client_message_id": oaClientMessageID}, "message", "org_nr", "attachments", "client_message_id"),
	"POST /api/co/messages/thread/{booking_id}/read-up-to":   oaReadUpTo,
	"POST /api/co/messages/{booking_id}/messages/read-up-to": oaReadUpTo,
	"POST /api/co/notifications/mark-read":                   oaObj(map[string]any{"ids": oaArrayOf(oaInteger)}),
	"POST /api/ws/messages":                                  oaObj(map[string]any{"booking_id": oaInteger, "message": oaStr, "attachments": oaAttachments, "client_message_id": oaClientMessageID}, "message", "attachments", "client_message_id"),
	"POST /api/ws/messages/thread/{booking_id}/send":         oaObj(map[string]any{"message": oaStr, "attachments": oaAttachments, "client_message_id": oaClientMessageID}, "message", "attachments", "client_message_id"),
	"POST /api/messages":                                     oaMKLegacySendBody(),
	"POST /v1/messages/conversations":                        oaObj(map[string]any{"listing_id": oaStr, "message": oaStr, "client_message_id": oaClientMessageID}, "client_message_id"),
	"POST /v1/messages/conversations/{id}":                   oaMkSendBody(),
	"PUT /v1/messages/conversations/{id}/read":               oaObj(map[string]any{"message_ids": oaArrayOf(oaStr)}, "message_ids"),
	"POST /v1/messages/templates":                            oaObj(map[string]any{"name": oaStr, "category": oaStr, "content": oaStr}, "category"),
	"POST /v1/messages/{msgId}/report":                       oaObj(map[string]any{"reason": oaStr, "details": oaStr}, "details"),
	"POST /v1/webhooks": oaObj(map[string]any{"url": map[string]any{"type": "string", "format": "uri"}, "events": oaWebhookEvents,
		"description": oaStr, "org_nr": oaStr, "user_id": oaStr}, "description", "org_nr", "user_id"),
	"PATCH /v1/webhooks/{id}": oaObj(map[string]any{"url": map[string]any{"type": "string", "format": "uri"}, "events": oaWebhookEvents,
		"description": oaStr, "active": oaBoolean}, "url", "events", "description", "active"),
}

var oaWebhookEvents = oaArrayOf(map[string]any{"type": "string",
	"enum": []any{"message.received", "message.read", "conversation.created", "notification.created", "message.reported", "message.updated", "message.deleted"}})

var oaReadUpTo = oaObj(map[string]any{"last_read_id": oaInteger, "last_read_at": oaDateTime}, "last_read_at")

func oaMkSendBody() map[string]any {
	s := oaObj(map[string]any{"content": oaStr,
		"type":        map[string]any{"type": "string", "enum": []any{"text", "image", "document", "quick_reply"}},
		"template_id": oaStr, "variables": map[string]any{"type": "object", "additionalProperties": oaStr}, "client_message_id": oaClientMessageID},
		"content", "type", "template_id", "variables", "client_message_id")
	s["description"] = "Either content (with type) or template_id with variables for its {{placeholders}}."
	return s
}

// oaFormBodies are the multipart/form-data bodies of the send routes.
var oaFormBodies = map[string]any{
	"POST /api/co/messages/send": oaObj(map[string]any{"thread_id": oaStr, "message": oaStr, "org_nr": oaStr, "files": oaArrayOf(oaBinaryFile),
		"client_message_id": oaClientMessageID}, "message", "org_nr", "files", "client_message_id"),
	"POST /api/ws/messages":                          oaObj(map[string]any{"booking_id": oaInteger, "message": oaStr, "files": oaArrayOf(oaBinaryFile), "client_message_id": oaClientMessageID}, "message", "files", "client_message_id"),
	"POST /api/ws/messages/thread/{booking_id}/send": oaObj(map[string]any{"message": oaStr, "files": oaArrayOf(oaBinaryFile), "client_message_id": oaClientMessageID}, "message", "files", "client_message_id"),
	"POST /v1/messages/conversations/{id}": oaObj(map[string]any{"content": oaStr, "type": oaStr, "template_id": oaStr,
		"variables": oaStr, "attachment": oaArrayOf(oaBinaryFile), "client_message_id": oaClientMessageID}, "content", "type", "template_id", "variables", "attachment", "client_message_id"),
	"POST /api/messages": oaObj(map[string]any{"conversation_id": oaStr, "content": oaStr, "type": oaStr, "template_id": oaStr,
		"variables": oaStr, "attachment": oaArrayOf(oaBinaryFile), "client_message_id": oaClientMessageID}, "content", "type", "template_id", "variables", "attachment", "client_message_id"),
}

func oaMKLegacySendBody() map[string]any {
	s := oaObj(map[string]any{"conversation_id": oaStr, "listing_id": oaStr, "content": oaStr, "message": oaStr,
		"type":        map[string]any{"type": "string", "enum": []any{"text", "image", "document", "quick_reply"}},
		"template_id": oaStr, "variables": map[string]any{"type": "object", "additionalProperties": oaStr}, "client_message_id": oaClientMessageID},
		"conversation_id", "listing_id", "content", "message", "type", "template_id", "variables", "client_message_id")
	s["description"] = "With conversation_id: a send into it, as POST /v1/messages/conversations/{id}. With listing_id: a start, content (or message) being the first message. Exactly one of the two."
	return s
}

func oaMKConversations() map[string]any {
	row := oaObj(map[string]any{"id": oaStr, "listing": oaRef("MKListing"), "participant": oaRef("MKParticipant"),
		"last_message": map[string]any{"oneOf": []any{oaObj(map[string]any{"content": oaStr, "sender": oaStr, "sent_at": oaDateTime, "read": oaBoolean, "removed": oaBoolean, "unsent": oaBoolean}), map[string]any{"type": "null"}}},
		"unread_count": oaInteger, "created_at": oaDateTime, "updated_at": oaDateTime})
	return oaMkEnvelope(oaObj(map[string]any{"conversations": oaArrayOf(row),
		"pagination": oaObj(map[string]any{"page": oaInteger, "limit": oaInteger, "total": oaInteger, "limit_clamped": oaBoolean}),
		"summary":    oaObj(map[string]any{"total": oaInteger, "unread": oaInteger})}))
}

func oaMKConversation() map[string]any {
	return oaMkEnvelope(oaObj(map[string]any{
		"conversation": oaObj(map[string]any{"id": oaStr, "listing": oaRef("MKListing"), "participant": oaRef("MKPresence")}),
		"messages":     oaArrayOf(oaRef("MKMessage")),
		"pagination":   oaObj(map[string]any{"page": oaInteger, "limit": oaInteger, "total": oaInteger, "has_more": oaBoolean, "limit_clamped": oaBoolean})}))
}

func oaMKStarted() map[string]any {
	return oaMkEnvelope(oaObj(map[string]any{
		"conversation": oaObj(map[string]any{"id": oaStr, "listing": oaObj(map[string]any{"id": oaStr, "title": oaStr}),
			"participant": oaObj(map[string]any{"id": oaStr, "name": oaStr}), "created_at": oaDateTime}),
		"message": map[string]any{"oneOf": []any{oaObj(map[string]any{"id": oaStr, "content": oaStr, "sent_at": oaDateTime}), map[string]any{"type": "null"}}}}))
}
