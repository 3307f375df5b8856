package webhooks

import (
	"encoding/base64"
	"strings"
	"testing"
)

// The test vector the Standard Webhooks specification and its reference libraries publish.
func TestSignMatchesTheStandardWebhooksVector(t *testing.T) {
	got, err := Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	both, err := SignatureHeader([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", NewSecret()}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if err != nil || !strings.HasPrefix(both, got+" v1,") || len(strings.Fields(both)) != 2 {
		t.Fatalf("two secrets sign as %q (%v)", both, err)
	}
}

func TestNewSecretIsStandardForm(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "whsec_"))
	if !strings.HasPrefix(a, "whsec_") || err != nil || len(key) < 24 || len(key) > 64 || a == b {
		t.Fatalf("NewSecret = %q, %q (%v)", a, b, err)
	}
}
