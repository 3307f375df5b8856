package server

import (
	"net/http"

	webapp "github.com/parley/parley/web/app"
)

// DevUser is one entry of the development sign-in list.
type DevUser struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	Token string `json:"token"`
}

// DevUsers lists the demo users with their tokens, for the web app's "sign in as" list.
func DevUsers(d *SeedData) []DevUser {
	var out []DevUser
	add := func(role string, us []SeedUser) {
		for _, u := range us {
			out = append(out, DevUser{ID: u.ID, Name: u.Name, Role: role, Token: u.Token})
		}
	}
	add("CAR_OWNER", d.CarOwners)
	for _, w := range d.Workshops {
		add("WORKSHOP", w.Users)
	}
	add("BUYER", d.Buyers)
	add("SELLER", d.Sellers)
	return out
}

// DevSignIn says whether serve may offer the demo users' tokens: only with --seed in
// development, and never when an operator configured a secret or a JWKS.
func (c Config) DevSignIn(seeded bool) bool {
	return seeded && !c.Production() && c.JWTSecret == "" && c.JWKSURL == ""
}

// mountWebApp serves the web app at /app/, and its sign-in list when DevSignIn set one:
// without it the route does not exist (404 like any unknown file).
func (a *App) mountWebApp(mux *http.ServeMux) {
	mux.Handle("GET "+webapp.Prefix, webapp.Handler())
	if a.DevSignIn == nil {
		return
	}
	users := a.DevSignIn
	mux.HandleFunc("GET "+webapp.Prefix+"dev-users", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]any{"users": users})
	})
}
