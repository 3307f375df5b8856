package server

import "testing"

// The development sign-in list only with --seed, in development, with no operator secret.
func TestDevSignIn(t *testing.T) {
	for _, c := range []struct {
		cfg    Config
		seeded bool
		want   bool
	}{
		{Config{Env: "development"}, true, true},
		{Config{Env: "development"}, false, false},
		{Config{Env: "development", JWTSecret: "s3cret-s3cret-s3cret-s3cret-s3cret"}, true, false},
		{Config{Env: "development", JWKSURL: "https://idp.example/jwks.json"}, true, false},
		{Config{Env: "production"}, true, false},
	} {
		if got := c.cfg.DevSignIn(c.seeded); got != c.want {
			t.Errorf("%+v seeded=%v: DevSignIn %v, want %v", c.cfg, c.seeded, got, c.want)
		}
	}
}
