package webhooks

import (
	"context"
	"encoding/base64"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/parley/parley/db"
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

func TestPublicAddr(t *testing.T) {
	for addr, public := range map[string]bool{
		"93.184.216.34": true, "2606:2800:220:1::1": true, "1.1.1.1": true,
		"127.0.0.1": false, "127.8.9.10": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false,
		"192.168.1.1": false, "169.254.169.254": false, "fe80::1": false, "fc00::1": false, "fd12::1": false,
		"0.0.0.0": false, "::": false, "100.64.0.1": false, "224.0.0.1": false, "::ffff:127.0.0.1": false,
		"::ffff:10.0.0.1": false, "64:ff9b::a00:1": false,
	} {
		if got := PublicAddr(netip.MustParseAddr(addr)); got != public {
			t.Errorf("PublicAddr(%s) = %v, want %v", addr, got, public)
		}
	}
}

func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	for raw, ok := range map[string]bool{
		"https://93.184.216.34/hooks": true, "http://93.184.216.34:8080/x?y=1": true,
		"ftp://93.184.216.34/": false, "not a url": false, "": false, "https://": false, "/relative": false,
		"https://93.184.216.34/#frag": false, "https://127.0.0.1/": false, "http://[::1]:9/": false,
		"http://10.0.0.7/": false, "http://169.254.169.254/latest/meta-data": false, "http://localhost/": false,
		"https://93.184.216.34/" + strings.Repeat("a", 2048): false,
	} {
		err := CheckURL(ctx, "url", raw, false)
		var fe *db.FieldError
		if ok != (err == nil) || (err != nil && (!errors.As(err, &fe) || fe.Field != "url")) {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", raw, err, ok)
		}
	}
	if err := CheckURL(ctx, "url", "http://127.0.0.1:8080/", true); err != nil {
		t.Errorf("a loopback URL with private addresses allowed: %v", err)
	}
	if err := CheckURL(ctx, "url", "ftp://127.0.0.1/", true); err == nil {
		t.Error("ftp with private addresses allowed passed")
	}
}

func TestDialControlRefusesPrivateAddresses(t *testing.T) {
	if err := dialControl("tcp4", "127.0.0.1:443", nil); err == nil {
		t.Fatal("a loopback connection is allowed")
	}
	if err := dialControl("tcp6", "[fe80::1]:443", nil); err == nil {
		t.Fatal("a link-local connection is allowed")
	}
	if err := dialControl("tcp4", "93.184.216.34:443", nil); err != nil {
		t.Fatalf("a public connection is refused: %v", err)
	}
}
