package restcompat

import "net/http"

// notYet answers routes whose handlers are still being written. Deleted when none use it.
func notYet(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, familyOf(r.URL.Path), http.StatusNotImplemented, "NOT_IMPLEMENTED", "not yet", "")
}
