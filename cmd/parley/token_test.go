package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// parley token mints what the server accepts: the configured iss and aud, no longer-lived than
// PARLEY_JWT_MAX_TTL.
func TestTokenCarriesIssuerAudienceAndCappedTTL(t *testing.T) {
	environ := env(t, "PARLEY_JWT_ISSUER=https://id.example.no", "PARLEY_JWT_AUDIENCE=parley-api", "PARLEY_JWT_MAX_TTL=48h")
	out, _ := runParley(t, environ, "token", "--sub", "co-kari", "--role", "car_owner", "--ttl", "47h")
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(strings.TrimSpace(out), &c); err != nil {
		t.Fatalf("token %q: %v", out, err)
	}
	if c.Issuer != "https://id.example.no" || len(c.Audience) != 1 || c.Audience[0] != "parley-api" {
		t.Fatalf("iss %q aud %v, want the configured ones", c.Issuer, c.Audience)
	}
	for _, ttl := range []string{"49h", "876000h"} {
		cmd := exec.Command(binary, "token", "--sub", "co-kari", "--role", "car_owner", "--ttl", ttl)
		cmd.Env = environ
		msg, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(msg), "PARLEY_JWT_MAX_TTL") {
			t.Errorf("--ttl %s: err %v, output %q; want a refusal naming PARLEY_JWT_MAX_TTL", ttl, err, msg)
		}
	}
}
