package restcompat

import "net/http"

// STUB: owned by the workshop-routes work; replaced there.

func (a *api) wsInbox(w http.ResponseWriter, r *http.Request)         { notYet(w, r) }
func (a *api) wsSendByBooking(w http.ResponseWriter, r *http.Request) { notYet(w, r) }
func (a *api) wsThread(w http.ResponseWriter, r *http.Request)        { notYet(w, r) }
func (a *api) wsSendToThread(w http.ResponseWriter, r *http.Request)  { notYet(w, r) }
