package webhooks

import "net/netip"

// special is one entry of the IANA special-purpose address registries
// (iana-ipv4-special-registry, iana-ipv6-special-registry): global is its "Globally
// Reachable" column. Entries marked N/A there (deprecated, or transition mechanisms whose
// reachability depends on a relay) count as not globally reachable.
type special struct {
	prefix netip.Prefix
	name   string
	global bool
}

func entry(prefix, name string, global bool) special {
	return special{netip.MustParsePrefix(prefix), name, global}
}

// specialV4 is the IPv4 registry, complete, plus multicast (RFC 5771, a registry of its own).
var specialV4 = []special{
	entry("0.0.0.0/8", `"this network"`, false),
	entry("0.0.0.0/32", `"this host on this network"`, false),
	entry("10.0.0.0/8", "private-use", false),
	entry("100.64.0.0/10", "shared address space (carrier-grade NAT)", false),
	entry("127.0.0.0/8", "loopback", false),
	entry("169.254.0.0/16", "link-local", false),
	entry("172.16.0.0/12", "private-use", false),
	entry("192.0.0.0/24", "IETF protocol assignments", false),
	entry("192.0.0.0/29", "IPv4 service continuity prefix", false),
	entry("192.0.0.8/32", "IPv4 dummy address", false),
	entry("192.0.0.9/32", "port control protocol anycast", true),
	entry("192.0.0.10/32", "TURN anycast", true),
	entry("192.0.0.170/32", "NAT64/DNS64 discovery", false),
	entry("192.0.0.171/32", "NAT64/DNS64 discovery", false),
	entry("192.0.2.0/24", "documentation (TEST-NET-1)", false),
	entry("192.31.196.0/24", "AS112-v4", true),
	entry("192.52.193.0/24", "AMT", true),
	entry("192.88.99.0/24", "deprecated 6to4 relay anycast", false),
	entry("192.88.99.2/32", "6a44 relay anycast", true),
	entry("192.168.0.0/16", "private-use", false),
	entry("192.175.48.0/24", "direct delegation AS112 service", true),
	entry("198.18.0.0/15", "benchmarking", false),
	entry("198.51.100.0/24", "documentation (TEST-NET-2)", false),
	entry("203.0.113.0/24", "documentation (TEST-NET-3)", false),
	entry("240.0.0.0/4", "reserved", false),
	entry("255.255.255.255/32", "limited broadcast", false),
	entry("224.0.0.0/4", "multicast", false),
}

// specialV6 is the IPv6 registry, complete, plus what lies outside it but is no receiver:
// multicast, deprecated site-local, and IPv4-compatible addresses (deprecated by RFC 4291;
// some stacks tunnel them to the IPv4 address in their last 32 bits).
var specialV6 = []special{
	entry("::1/128", "loopback", false),
	entry("::/128", "unspecified", false),
	entry("::ffff:0:0/96", "IPv4-mapped", false),
	entry("64:ff9b::/96", "IPv4-IPv6 translation", true),
	entry("64:ff9b:1::/48", "local-use IPv4-IPv6 translation", false),
	entry("100::/64", "discard-only", false),
	entry("100:0:0:1::/64", "dummy IPv6 prefix", false),
	entry("2001::/23", "IETF protocol assignments", false),
	entry("2001::/32", "Teredo", false),
	entry("2001:1::1/128", "port control protocol anycast", true),
	entry("2001:1::2/128", "TURN anycast", true),
	entry("2001:1::3/128", "DNS-SD service registration protocol anycast", true),
	entry("2001:2::/48", "benchmarking", false),
	entry("2001:3::/32", "AMT", true),
	entry("2001:4:112::/48", "AS112-v6", true),
	entry("2001:10::/28", "deprecated ORCHID", false),
	entry("2001:20::/28", "ORCHIDv2", true),
	entry("2001:30::/28", "drone remote ID entity tags", true),
	entry("2001:db8::/32", "documentation", false),
	entry("2002::/16", "6to4", false),
	entry("2620:4f:8000::/48", "direct delegation AS112 service", true),
	entry("3fff::/20", "documentation", false),
	entry("5f00::/16", "segment routing SIDs", false),
	entry("fc00::/7", "unique-local", false),
	entry("fe80::/10", "link-local", false),
	entry("::/96", "IPv4-compatible (deprecated)", false),
	entry("fec0::/10", "site-local (deprecated)", false),
	entry("ff00::/8", "multicast", false),
}

// globalUnicast is the only IPv6 space IANA hands to the registries for public use.
var globalUnicast = netip.MustParsePrefix("2000::/3")

// nat64 is the well-known NAT64 prefix: its last 32 bits are the IPv4 address reached.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// lookupSpecial returns the most specific entry that holds ip, as the registry reads (a /32
// carved out of a /24 decides for its address).
func lookupSpecial(ip netip.Addr) (special, bool) {
	table := specialV6
	if ip.Is4() {
		table = specialV4
	}
	var best special
	found := false
	for _, s := range table {
		if s.prefix.Contains(ip) && (!found || s.prefix.Bits() > best.prefix.Bits()) {
			best, found = s, true
		}
	}
	return best, found
}
