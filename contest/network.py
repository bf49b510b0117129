"""The network key of a vote: which client network a vote came from, as a keyed hash, never the address.

The client's address is reduced to its network (IPv4 /24, IPv6 /48: one household, office or provider block
rather than one device) and replaced by HMAC-SHA256 under a key derived from the voter secret
(HMAC(voter secret, "network/v1")), truncated to 16 hex digits. The same network always gives the same key for
the contest's life (the secret does not change, see contest/settings.py), so bursts from one network can be found;
without the secret nobody can tell which network a key stands for, and the address itself is never stored, logged
or exported. Only this key reaches the domain (Vote.Cast's `network`).

The address is the one the WSGI server sees (Flask's request.remote_addr), the same one the vote's rate limit
keys on (api/operations.py). The service trusts no X-Forwarded-For header: behind a reverse proxy, wrap the app in
werkzeug's ProxyFix with the proxy count, and both the rate limit and the network key see the client's address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from functools import lru_cache

KEY_CONTEXT = b"network/v1"
IPV4_PREFIX = 24
IPV6_PREFIX = 48
KEY_HEX_DIGITS = 16


# An IPv4 address in its canonical form (what a WSGI server gives): four decimal octets, no leading zeros. Its /24
# is its first three octets as they are; ipaddress parses it in about ten times the time (a vote's share).
OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
DOTTED_QUAD = re.compile(rf"(?:{OCTET}\.){{3}}{OCTET}")


def network_of(address: str | None) -> str | None:
    """The network an address belongs to, as text ("192.0.2.0/24", "2001:db8:1::/48"); None if unparsable."""
    if not address:
        return None
    if DOTTED_QUAD.fullmatch(address):
        return f"{address.rsplit('.', 1)[0]}.0/{IPV4_PREFIX}"
    try:
        ip = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:192.0.2.7 is the IPv4 client 192.0.2.7
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def network_key(voter_secret: bytes, address: str | None) -> str | None:
    """The keyed hash of the address's network, or None when there is no usable address."""
    network = network_of(address)
    if network is None:
        return None
    return _network_hash(voter_secret, network)


@lru_cache(maxsize=4096)
def _network_hash(voter_secret: bytes, network: str) -> str:
    """Computed once per network and secret in a process (a vote's share of the vote path: docs/BENCHMARKS.md);
    the cache holds keyed hashes and networks, never an address."""
    key = hmac.new(voter_secret, KEY_CONTEXT, hashlib.sha256).digest()
    return hmac.new(key, network.encode(), hashlib.sha256).hexdigest()[:KEY_HEX_DIGITS]
