"""The network of a vote's client address (contest/network.py): the canonical IPv4 fast path gives exactly what
ipaddress gives, and everything else (IPv6, mapped IPv4, leading zeros, junk) goes the ipaddress way."""

from __future__ import annotations

import ipaddress
import random

import pytest

from contest.network import network_key, network_of


def by_ipaddress(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))


EDGES = ["0.0.0.0", "255.255.255.255", "10.0.0.1", "192.0.2.7", "1.2.3.4", "100.200.250.255", "9.99.199.249",
         "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "1.2.3", "1.2.3.4.5", " 1.2.3.4", "1.2.3.4 ", "1.2.3.-1",
         "a.b.c.d", "::ffff:192.0.2.7", "2001:db8:1:2::7", "fe80::1%eth0", "::1", "1.2.3.4\n", "１.2.3.4"]


@pytest.mark.parametrize("address", EDGES)
def test_an_address_gives_the_network_ipaddress_gives(address: str) -> None:
    assert network_of(address) == by_ipaddress(address)


def test_random_ipv4_addresses_give_the_network_ipaddress_gives() -> None:
    rng = random.Random(19)
    for _ in range(5_000):
        address = ".".join(str(rng.randrange(256)) for _ in range(4))
        assert network_of(address) == by_ipaddress(address) == address.rsplit(".", 1)[0] + ".0/24"


def test_no_address_no_network() -> None:
    assert network_of(None) is None and network_of("") is None and network_key(b"secret", None) is None
