package webhooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parley/parley/db"
)

// refusedAddrs are samples of every range a receiver may not live in, written out by hand
// (not derived from the table they test), with the addresses of the attack report first.
var refusedAddrs = []string{
	// The attack report.
	"::7f00:1", "2002:7f00:1::", "2001:db8::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "198.18.0.1",
	"198.19.255.254", "240.0.0.1", "255.255.255.254", "255.255.255.255",
	// IPv4 special-purpose registry.
	"0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.255", "127.0.0.1",
	"127.8.9.10", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.1", "192.0.0.8", "192.0.0.100",
	"192.0.0.170", "192.0.0.171", "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.51.100.7", "203.0.113.9",
	// IPv4 multicast.
	"224.0.0.1", "239.255.255.250",
	// IPv6 special-purpose registry.
	"::", "::1", "64:ff9b:1::1", "64:ff9b:1:ffff::1", "100::1", "100::ffff:ffff:ffff:ffff", "100:0:0:1::1",
	"2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:2::1", "2001:10::1", "2001:1ff::1", "2002:808:808::1",
	"3fff::1", "3fff:fff:ffff::1", "5f00::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1",
	// Beyond the registry: site-local, multicast, outside 2000::/3, a zone.
	"fec0::1", "ff02::1", "ff0e::1", "4000::1", "e000::1", "fe80::1%eth0", "2606:4700::1%eth0",
	// IPv4 embedded in IPv6: mapped and NAT64 judged by the address, the rest refused outright.
	"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:198.18.0.1", "::ffff:255.255.255.255",
	"64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe", "::8.8.8.8", "::127.0.0.1",
	"2002:808:808::", "2002:c000:201::1", "2001::1",
}

// publicAddrs must stay allowed: ordinary public addresses, the edges around refused ranges,
// the globally reachable carve-outs of the registries, and public IPv4 behind mapping and NAT64.
var publicAddrs = []string{
	"93.184.216.34", "1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
	"192.0.0.9", "192.0.0.10", "192.0.1.0", "192.88.99.2", "198.17.255.255", "198.20.0.0", "223.255.255.255",
	"2606:2800:220:1::1", "2001:4860:4860::8888", "2a00:1450:4001::1", "2001:1::1", "2001:1::2", "2001:3::1",
	"2001:4:112::1", "2001:200::1", "2620:4f:8000::1", "3ffe::1", "3fff:1000::1",
	"::ffff:8.8.8.8", "64:ff9b::808:808", "64:ff9b::5db8:d822",
}

func TestRefusedAddresses(t *testing.T) {
	for _, s := range refusedAddrs {
		ip := netip.MustParseAddr(s)
		if PublicAddr(ip) {
			t.Errorf("%s is allowed", s)
		}
		if err := dialControl("tcp", netip.AddrPortFrom(ip, 443).String(), nil); err == nil {
			t.Errorf("dialling %s is allowed", s)
		}
	}
}

func TestPublicAddressesAllowed(t *testing.T) {
	for _, s := range publicAddrs {
		ip := netip.MustParseAddr(s)
		if why := refusal(ip); why != "" {
			t.Errorf("%s is refused: %s", s, why)
		}
		if err := dialControl("tcp", netip.AddrPortFrom(ip, 443).String(), nil); err != nil {
			t.Errorf("dialling %s: %v", s, err)
		}
	}
}

// Every registry entry that is not globally reachable is refused from its first address to
// its last, and every globally reachable one allowed. (NAT64 is judged by the IPv4 address it
// embeds: TestRefusedAddresses and TestPublicAddressesAllowed cover it.)
func TestEverySpecialPurposeEntryIsJudged(t *testing.T) {
	for _, s := range append(append([]special{}, specialV4...), specialV6...) {
		if s.prefix == nat64 {
			continue
		}
		for _, ip := range []netip.Addr{s.prefix.Addr(), lastAddr(s.prefix)} {
			if PublicAddr(ip) != s.global {
				t.Errorf("%s (%s, globally reachable %v): refusal %q", ip, s.name, s.global, refusal(ip))
			}
		}
	}
}

// lastAddr is the highest address in p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	ip, _ := netip.AddrFromSlice(b)
	return ip
}

func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	public := Rules{}
	cases := []struct {
		url   string
		rules Rules
		ok    bool
	}{
		{"https://93.184.216.34/hooks", public, true},
		{"http://93.184.216.34:8080/x?y=1", public, true},
		{"https://[2606:2800:220:1::1]/hooks", public, true},
		{"ftp://93.184.216.34/", public, false},
		{"not a url", public, false},
		{"", public, false},
		{"https://", public, false},
		{"/relative", public, false},
		{"https://93.184.216.34/#frag", public, false},
		{"https://127.0.0.1/", public, false},
		{"http://[::1]:9/", public, false},
		{"http://10.0.0.7/", public, false},
		{"http://169.254.169.254/latest/meta-data", public, false},
		{"http://localhost/", public, false},
		{"https://[fe80::1%25eth0]/", public, false},
		{"https://93.184.216.34/" + strings.Repeat("a", 2048), public, false},
		// Production: https only, whatever the address.
		{"http://93.184.216.34/hooks", Rules{RequireHTTPS: true}, false},
		{"https://93.184.216.34/hooks", Rules{RequireHTTPS: true}, true},
		{"http://127.0.0.1:8080/", Rules{AllowPrivate: true, RequireHTTPS: true}, false},
		// Development and tests: any address.
		{"http://127.0.0.1:8080/", Rules{AllowPrivate: true}, true},
		{"ftp://127.0.0.1/", Rules{AllowPrivate: true}, false},
	}
	for _, s := range refusedAddrs {
		host := s
		if strings.Contains(s, ":") {
			host = "[" + strings.Replace(s, "%", "%25", 1) + "]"
		}
		cases = append(cases, struct {
			url   string
			rules Rules
			ok    bool
		}{"https://" + host + "/hooks", public, false})
	}
	for _, c := range cases {
		err := CheckURL(ctx, "url", c.url, c.rules)
		var fe *db.FieldError
		if c.ok != (err == nil) || (err != nil && (!errors.As(err, &fe) || fe.Field != "url")) {
			t.Errorf("CheckURL(%q, %+v) = %v, want ok=%v", c.url, c.rules, err, c.ok)
		}
	}
}

// With RequireHTTPS the delivery client sends nothing in cleartext, whatever was stored.
func TestDeliveryClientRefusesCleartextWhenHTTPSIsRequired(t *testing.T) {
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got.Add(1) }))
	defer srv.Close()
	for _, requireHTTPS := range []bool{true, false} {
		c := newClient(Settings{AllowPrivate: true, RequireHTTPS: requireHTTPS}.WithDefaults())
		resp, err := c.Post(srv.URL, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
		if requireHTTPS != errors.Is(err, errCleartext) {
			t.Fatalf("RequireHTTPS=%v: %v", requireHTTPS, err)
		}
	}
	if got.Load() != 1 {
		t.Fatalf("the receiver got %d requests, want 1 (the one without RequireHTTPS)", got.Load())
	}
}
