package restcompat

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/parley/parley/apierror"
	"github.com/parley/parley/graph"
	"github.com/parley/parley/resolvers"
)

// The workshop routes are the car-owner thread model seen from the workshop's org_nr: the same
// inbox rows (naming the car owner instead of the workshop), the same message wire type and
// paging, all wrapped in the workshop envelope {success, message, data, ...}.

func (a *api) wsInbox(w http.ResponseWriter, r *http.Request) { a.bookingInbox(w, r, familyWS) }

// wsThread serves /thread/{booking_id} and /thread?id=<booking_id>. Without an id (as the
// workshop document's own snippet calls it) it serves the workshop's most recent thread.
func (a *api) wsThread(w http.ResponseWriter, r *http.Request) {
	var id int
	var err error
	switch {
	case r.PathValue("booking_id") != "":
		id, err = pathInt(r, "booking_id")
	case strings.TrimSpace(r.URL.Query().Get("id")) == "":
		id, err = a.latestBooking(r)
	default:
		id, err = bookingIDQuery(r)
	}
	if err != nil {
		fail(w, r, familyWS, err)
		return
	}
	a.bookingThread(w, r, familyWS, id)
}

// latestBooking is the booking of the caller's thread with the newest activity, first in the
// inbox.
func (a *api) latestBooking(r *http.Request) (int, error) {
	conn, err := a.res.QueryRoot().Inbox(r.Context(), ptr(1), nil, nil, &graph.InboxFilter{Kind: ptr(graph.ConversationKindBooking)})
	if err != nil {
		return 0, err
	}
	if len(conn.Nodes) == 0 || conn.Nodes[0].BookingID == nil {
		return 0, fmt.Errorf("thread: no booking threads yet; name one as ?id=<booking_id>: %w", apierror.ErrNotFound)
	}
	return int(*conn.Nodes[0].BookingID), nil
}

// bookingIDQuery reads ?id=<booking_id> of the query form of the thread route.
func bookingIDQuery(r *http.Request) (int, error) {
	raw := strings.TrimSpace(r.URL.Query().Get("id"))
	n, err := strconv.Atoi(raw)
	if err != nil || n <= 0 {
		return 0, apierror.Invalid("id", "%q is not a booking id", raw)
	}
	return n, nil
}

// wsSendByBooking sends to the thread of the booking named in the body.
func (a *api) wsSendByBooking(w http.ResponseWriter, r *http.Request) {
	body, atts, err := a.readSend(w, r)
	if err == nil && body.BookingID == nil {
		err = apierror.Invalid("booking_id", "is required")
	}
	a.wsSend(w, r, body.BookingID, body, atts, err)
}

// wsSendToThread sends to the thread of the booking in the path.
func (a *api) wsSendToThread(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "booking_id")
	if err != nil {
		fail(w, r, familyWS, err)
		return
	}
	body, atts, err := a.readSend(w, r)
	a.wsSend(w, r, &id, body, atts, err)
}

// wsSend finds the booking's thread (the resolver decides whether the workshop may see it)
// and sends into it, unless reading the request already failed.
func (a *api) wsSend(w http.ResponseWriter, r *http.Request, bookingID *int, body sendBody, atts []*graph.AttachmentInput, err error) {
	var t *resolvers.Thread
	if err == nil {
		t, err = a.res.QueryRoot().BookingConversation(r.Context(), *bookingID)
	}
	if err != nil {
		fail(w, r, familyWS, err)
		return
	}
	a.sendToThread(w, r, familyWS, t.ID, body, atts)
}
