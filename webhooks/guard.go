package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/parley/parley/db"
)

// Receivers must be public: a webhook URL pointing into our own network would let whoever
// registers it make Parley call internal services (SSRF). The URL is checked when it is
// registered, and every connection is checked again when it is dialled, after DNS resolution,
// so a name that later resolves to a private address (DNS rebinding) is refused too.

// Rules say which receivers a deployment accepts.
type Rules struct {
	AllowPrivate bool // any address: loopback, private networks (development, tests)
	RequireHTTPS bool // no cleartext receivers (production)
}

// PublicAddr reports whether a receiver may live at ip.
func PublicAddr(ip netip.Addr) bool { return refusal(ip) == "" }

// refusal says why ip is no receiver, or "" when it is a public address. An address that
// embeds an IPv4 address is judged by it when the connection really goes there (IPv4-mapped,
// well-known NAT64); the other embeddings (IPv4-compatible, 6to4, Teredo, local-use NAT64)
// are refused outright: they reach the embedded address through a relay or tunnel, whose far
// side (a 6to4 router of our own network, say) is not what the IPv4 address names.
func refusal(ip netip.Addr) string {
	switch {
	case !ip.IsValid():
		return "not an IP address"
	case ip.Zone() != "":
		return "a scoped address"
	case ip.Is4In6():
		return refusal(ip.Unmap())
	case nat64.Contains(ip):
		if why := refusal(netip.AddrFrom4([4]byte(ip.AsSlice()[12:]))); why != "" {
			return "NAT64 of " + why
		}
		return ""
	}
	if s, ok := lookupSpecial(ip); ok && !s.global {
		return s.name + " (" + s.prefix.String() + ")"
	}
	if ip.Is6() && !globalUnicast.Contains(ip) {
		return "outside the global unicast space 2000::/3"
	}
	return ""
}

// CheckURL checks a receiver URL: absolute http or https (https only when the rules require
// it) with a host, at most 2048 bytes, and unless the rules allow private addresses, a host
// whose every address is public. Its errors name field.
func CheckURL(ctx context.Context, field, raw string, rules Rules) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case len(raw) > 2048:
		return db.Invalid(field, "is longer than 2048 characters")
	case err != nil || u.Host == "" || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return db.Invalid(field, "%q is not an absolute http or https URL", raw)
	case rules.RequireHTTPS && u.Scheme != "https":
		return db.Invalid(field, "must be an https URL: deliveries are not sent in cleartext")
	case u.Fragment != "":
		return db.Invalid(field, "must not have a #fragment")
	case rules.AllowPrivate:
		return nil
	}
	addrs, err := lookup(ctx, u.Hostname())
	if err != nil {
		return db.Invalid(field, "host %q does not resolve", u.Hostname())
	}
	for _, a := range addrs {
		if why := refusal(a); why != "" {
			return db.Invalid(field, "host %q has the address %s, which is %s; receivers must be on the public internet", u.Hostname(), a, why)
		}
	}
	return nil
}

func lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(addrs) == 0 {
		err = fmt.Errorf("no addresses for %s", host)
	}
	return addrs, err
}

// dialControl refuses connections to non-public addresses, after resolution.
func dialControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook receiver address %q: %w", address, err)
	}
	if why := refusal(ap.Addr()); why != "" {
		return fmt.Errorf("webhook receiver address %s is not public: %s", ap.Addr(), why)
	}
	return nil
}

var errCleartext = errors.New("webhook receiver is not https: deliveries are not sent in cleartext")

// httpsOnly refuses any request that would go out in cleartext.
type httpsOnly struct{ next http.RoundTripper }

func (t httpsOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != "https" {
		return nil, errCleartext
	}
	return t.next.RoundTrip(r)
}
