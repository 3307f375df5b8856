package restcompat

import "net/http"

// STUB: owned by the CO-notifications work; replaced there.

func (a *api) coSearch(w http.ResponseWriter, r *http.Request)                { notYet(w, r) }
func (a *api) coNotifications(w http.ResponseWriter, r *http.Request)         { notYet(w, r) }
func (a *api) coNotificationsMarkRead(w http.ResponseWriter, r *http.Request) { notYet(w, r) }
func (a *api) coNotificationsReadAll(w http.ResponseWriter, r *http.Request)  { notYet(w, r) }
func (a *api) coNotificationsUnread(w http.ResponseWriter, r *http.Request)   { notYet(w, r) }
func (a *api) coNotification(w http.ResponseWriter, r *http.Request)          { notYet(w, r) }
