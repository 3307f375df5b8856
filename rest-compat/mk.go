package restcompat

import "net/http"

// STUB: owned by the marketplace-routes work; replaced there.

func (a *api) mkConversations(w http.ResponseWriter, r *http.Request)        { notYet(w, r) }
func (a *api) mkUnread(w http.ResponseWriter, r *http.Request)               { notYet(w, r) }
func (a *api) mkConversation(w http.ResponseWriter, r *http.Request)         { notYet(w, r) }
func (a *api) mkPostMessage(w http.ResponseWriter, r *http.Request)          { notYet(w, r) }
func (a *api) mkArchive(w http.ResponseWriter, r *http.Request)              { notYet(w, r) }
func (a *api) mkUnarchive(w http.ResponseWriter, r *http.Request)            { notYet(w, r) }
func (a *api) mkNotifications(w http.ResponseWriter, r *http.Request)        { notYet(w, r) }
func (a *api) mkNotificationsUnread(w http.ResponseWriter, r *http.Request)  { notYet(w, r) }
func (a *api) mkNotificationRead(w http.ResponseWriter, r *http.Request)     { notYet(w, r) }
func (a *api) mkNotificationsReadAll(w http.ResponseWriter, r *http.Request) { notYet(w, r) }
func (a *api) mkStart(w http.ResponseWriter, r *http.Request)                { notYet(w, r) }
func (a *api) mkSend(w http.ResponseWriter, r *http.Request)                 { notYet(w, r) }
func (a *api) mkRead(w http.ResponseWriter, r *http.Request)                 { notYet(w, r) }
func (a *api) mkDelete(w http.ResponseWriter, r *http.Request)               { notYet(w, r) }
func (a *api) mkTemplates(w http.ResponseWriter, r *http.Request)            { notYet(w, r) }
func (a *api) mkCreateTemplate(w http.ResponseWriter, r *http.Request)       { notYet(w, r) }
func (a *api) mkReport(w http.ResponseWriter, r *http.Request)               { notYet(w, r) }
