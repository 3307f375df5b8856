package webhooks

import (
	"context"
	"fmt"
	"net"
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

// blocked are ranges beyond what netip's predicates name: shared (carrier-grade NAT) space,
// "this network", and IPv4 translated into IPv6.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// PublicAddr reports whether a receiver may live at ip: not loopback, private, link-local,
// unspecified or multicast.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckURL checks a receiver URL: absolute http or https with a host, at most 2048 bytes, and
// unless allowPrivate, a host whose every address is public. Its errors name field.
func CheckURL(ctx context.Context, field, raw string, allowPrivate bool) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case len(raw) > 2048:
		return db.Invalid(field, "is longer than 2048 characters")
	case err != nil || u.Host == "" || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return db.Invalid(field, "%q is not an absolute http or https URL", raw)
	case u.Fragment != "":
		return db.Invalid(field, "must not have a #fragment")
	case allowPrivate:
		return nil
	}
	addrs, err := lookup(ctx, u.Hostname())
	if err != nil {
		return db.Invalid(field, "host %q does not resolve", u.Hostname())
	}
	for _, a := range addrs {
		if !PublicAddr(a) {
			return db.Invalid(field, "host %q has the non-public address %s; receivers must be on the public internet", u.Hostname(), a)
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
	if !PublicAddr(ap.Addr()) {
		return fmt.Errorf("webhook receiver address %s is not public", ap.Addr())
	}
	return nil
}
