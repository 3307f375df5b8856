package restcompat

// The vehicle marketplace routes (rows 21-41 of rest-routes.md, documented in
// 003_eb29d8550ff5f178.txt) answer in {success, data} and fail in
// {success:false, error:{code, message, field?}}.
//
// Ids on the wire are prefixed strings: conversations conv_<id>, messages msg_<id>, listings
// lst_<id>, templates tpl_<id>, notifications ntf_<id>, reports rpt_<id>, users usr_<id> (a user
// id that already starts with usr_ is shown as it is). Requests may give an id with its prefix
// or as the bare number; any other form is a 400 naming the field. Times are RFC 3339.
//
// The legacy /api/messages family has no documented shapes, so it answers exactly as its /v1
// twin does:
//   - GET   /api/messages              = GET /v1/messages/conversations (same query parameters)
//   - GET   /api/messages/unread       = GET /v1/messages/unread
//   - GET   /api/messages/{threadId}   = GET /v1/messages/conversations/{id}
//   - POST  /api/messages              with conversation_id sends into that conversation
//     (= POST /v1/messages/conversations/{id}: content, type, template_id, variables, or
//     multipart with attachment files; 201 {message}); with listing_id it starts a
//     conversation about the listing, content being the first message (= POST
//     /v1/messages/conversations: 201 or 200 {conversation, message}). Giving both or neither is
//     a 400.
//   - PATCH /api/messages/{threadId}/archive = PUT /v1/messages/conversations/{id}/archive
//
// The notification routes (/api/notifications) show a notification as
// {id, type, title, body, data{}, read, read_at, created_at}; ids inside data
// (conversation_id, message_id, listing_id) are prefixed like every other marketplace id.

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/resolvers"
)

// Wire prefixes of marketplace ids.
const (
	mkPrefixConversation = "conv_"
	mkPrefixMessage      = "msg_"
	mkPrefixListing      = "lst_"
	mkPrefixTemplate     = "tpl_"
	mkPrefixNotification = "ntf_"
	mkPrefixUser         = "usr_"
	mkPrefixReport       = "rpt_"
)

// mkOnlineWindow is how recently a user must have been seen to show as online (until live
// presence exists).
const mkOnlineWindow = 5 * time.Minute

func mkWireID(prefix string, id int64) string { return prefix + strconv.FormatInt(id, 10) }

// mkUserID shows a user id with the usr_ prefix, unless it already has it.
func mkUserID(id string) string {
	if strings.HasPrefix(id, mkPrefixUser) {
		return id
	}
	return mkPrefixUser + id
}

// mkParseID reads an integer id given as prefix+number or a bare number, and returns it
// with its prefix, as the resolvers accept it. Anything else is a 400 naming field.
func mkParseID(field, prefix, raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", apierror.Invalid(field, "is required")
	}
	digits := strings.TrimPrefix(s, prefix)
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || !mkAllDigits(digits) {
		return "", apierror.Invalid(field, "%q is not an id such as %s12", raw, prefix)
	}
	return mkWireID(prefix, n), nil
}

func mkAllDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

var mkListingKey = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// mkParseListingID reads a listing id, lst_<key> or the bare key.
func mkParseListingID(field, raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", apierror.Invalid(field, "is required")
	}
	if key := strings.TrimPrefix(s, mkPrefixListing); !mkListingKey.MatchString(key) {
		return "", apierror.Invalid(field, "%q is not a listing id such as %sabc123", raw, mkPrefixListing)
	}
	return s, nil
}

// mkListing is a listing as conversations show it.
type mkListing struct {
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	Thumbnail string  `json:"thumbnail"`
	Price     float64 `json:"price"`
	Status    string  `json:"status"`
}

// mkDisplay is the display data of marketplace rows: display's listings, last messages and
// attachments, plus the other participant of each conversation and their user row.
type mkDisplay struct {
	*display
	others map[int64]*resolvers.Participant
}

// loadMK loads what marketplace threads and messages show, as viewer v sees them.
func (a *api) loadMK(ctx context.Context, v resolvers.Viewer, threads []*resolvers.Thread, msgs []*resolvers.Message) (*mkDisplay, error) {
	d, err := a.loadDisplay(ctx, v.Party(), threads, msgs)
	if err != nil {
		return nil, err
	}
	md := &mkDisplay{display: d, others: map[int64]*resolvers.Participant{}}
	if len(threads) == 0 {
		return md, nil
	}
	ids := make([]int64, len(threads))
	for i, t := range threads {
		ids[i] = t.ID
	}
	parts, err := a.res.ParticipantsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	var missing []string
	for id, ps := range parts {
		for _, p := range ps {
			if p.PartyID != v.Party() {
				md.others[id] = p
				if d.users[p.PartyID] == nil {
					missing = append(missing, p.PartyID)
				}
			}
		}
	}
	return md, d.loadPeople(ctx, a.res, missing, nil)
}

func (d *mkDisplay) listing(t *resolvers.Thread) mkListing {
	l := d.listings[deref(t.ListingID)]
	if l == nil {
		return mkListing{ID: mkPrefixListing + deref(t.ListingID)}
	}
	return mkListing{ID: mkPrefixListing + l.ID, Title: l.Title, Thumbnail: l.ThumbnailURL, Price: l.Price, Status: l.Status}
}

// other is the other participant of t and their user row (nil if unknown).
func (d *mkDisplay) other(t *resolvers.Thread) (*resolvers.Participant, *resolvers.User) {
	p := d.others[t.ID]
	if p == nil {
		return &resolvers.Participant{}, nil
	}
	return p, d.users[p.PartyID]
}

// mkPerson is the other participant in a conversation list row.
type mkPerson struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Avatar   string `json:"avatar"`
	Type     string `json:"type"`
	Verified bool   `json:"verified"`
}

func (d *mkDisplay) person(t *resolvers.Thread) mkPerson {
	p, u := d.other(t)
	out := mkPerson{ID: mkUserID(p.PartyID), Type: p.Role}
	if u != nil {
		out.Name, out.Avatar, out.Verified = u.Name, u.AvatarURL, u.Verified
	}
	return out
}

// mkPresence is the other participant on the conversation page.
type mkPresence struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Verified bool   `json:"verified"`
	Online   bool   `json:"online"`
}

func (d *mkDisplay) presence(t *resolvers.Thread, now time.Time) mkPresence {
	p, u := d.other(t)
	out := mkPresence{ID: mkUserID(p.PartyID), Type: p.Role}
	if u != nil {
		out.Name, out.Verified = u.Name, u.Verified
		out.Online = u.LastSeenAt != nil && now.Sub(*u.LastSeenAt) < mkOnlineWindow
	}
	return out
}

// mkSenderID is who sent m, as a wire user id.
func mkSenderID(m *resolvers.Message) string {
	if m.SenderUserID != nil {
		return mkUserID(*m.SenderUserID)
	}
	return mkUserID(m.SenderPartyID)
}

// mkMessage is a message on the conversation page and in send answers. Attachments are not in
// the document; they are shown so files sent with a message can be fetched.
type mkMessage struct {
	ID          string           `json:"id"`
	Content     string           `json:"content"`
	SenderID    string           `json:"sender_id"`
	Type        string           `json:"type"`
	Read        bool             `json:"read"`
	ReadAt      *string          `json:"read_at"`
	SentAt      string           `json:"sent_at"`
	Attachments []attachmentWire `json:"attachments"`
	// Removed says a moderator removed the message: content is then empty.
	Removed bool `json:"removed"`
	// Unsent says the sender unsent it: content is then empty and it has no attachments.
	Unsent bool `json:"unsent"`
	// EditedAt is when the sender last edited it, or null.
	EditedAt *string `json:"edited_at"`
}

func (d *display) mkMessage(m *resolvers.Message) mkMessage {
	return mkMessage{ID: mkWireID(mkPrefixMessage, m.ID), Content: messageText(m), SenderID: mkSenderID(m), Type: m.Type,
		Read: m.ReadAt != nil, ReadAt: timeString(m.ReadAt), SentAt: ts(m.CreatedAt), Attachments: d.attachmentsOf(m.ID),
		Removed: m.RemovedAt != nil, Unsent: m.UnsentAt != nil, EditedAt: timeString(m.EditedAt)}
}
