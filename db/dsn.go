package db

import (
	"net/url"
	"os"
)

// EnvDSN is a connection string for database name on the server the standard PostgreSQL
// client variables point at (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE), defaulting to
// postgres@127.0.0.1:5432 without TLS.
func EnvDSN(name string) string {
	host := envOr("PGHOST", "127.0.0.1")
	if host == "localhost" {
		host = "127.0.0.1"
	}
	u := url.URL{
		Scheme:   "postgres",
		Host:     host + ":" + envOr("PGPORT", "5432"),
		Path:     "/" + name,
		RawQuery: "sslmode=" + envOr("PGSSLMODE", "disable"),
	}
	if pw := os.Getenv("PGPASSWORD"); pw != "" {
		u.User = url.UserPassword(envOr("PGUSER", "postgres"), pw)
	} else {
		u.User = url.User(envOr("PGUSER", "postgres"))
	}
	return u.String()
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
