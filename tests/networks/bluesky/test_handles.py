"""Handles that live in DNS: `_atproto.<handle>` TXT `did=…`, asked of a real (loopback)
DNS server over UDP, before the well-known file and the resolver."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import dns.message
import dns.rrset
import httpx
import pytest

from inbox.core.errors import ConfigError
from inbox.networks.bluesky import identity

SHOP_DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


class DnsServer:
    """Answers TXT questions from a table on 127.0.0.1:<random port>; records the names asked."""

    def __init__(self, records: dict[str, list[str]]) -> None:
        self.records = records
        self.asked: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stopping:
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            name = query.question[0].name.to_text()
            self.asked.append(name)
            response = dns.message.make_response(query)
            texts = self.records.get(name)
            if texts is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
            else:
                quoted = [f'"{t}"' for t in texts]
                response.answer.append(dns.rrset.from_text(name, 300, "IN", "TXT", *quoted))
            self.sock.sendto(response.to_wire(), peer)

    def close(self) -> None:
        self.stopping = True
        self.thread.join()
        self.sock.close()


@pytest.fixture
def dns_server() -> Iterator[DnsServer]:
    server = DnsServer(
        {
            "_atproto.shop.example.": [f"did={SHOP_DID}"],
            "_atproto.two.example.": ["did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "did=did:plc:bbbb"],
            "_atproto.junk.example.": ["v=spf1 -all"],
        }
    )
    yield server
    server.close()


def nothing_on_the_web(request: httpx.Request) -> httpx.Response:
    """No well-known file, and the resolver does not know the handle."""
    if request.url.path.endswith("resolveHandle"):
        return httpx.Response(400, json={"error": "InvalidRequest", "message": "Unable to resolve"})
    return httpx.Response(404)


def resolve(handle: str, server: DnsServer) -> str:
    async def go() -> str:
        async with httpx.AsyncClient(transport=httpx.MockTransport(nothing_on_the_web)) as http:
            return await identity.resolve_did(http, handle, nameserver=server.address)

    return asyncio.run(go())


def test_a_handle_in_dns_resolves_without_any_web_server(dns_server: DnsServer) -> None:
    assert resolve("Shop.Example".lower(), dns_server) == SHOP_DID
    assert dns_server.asked == ["_atproto.shop.example."]


def test_no_record_falls_back_to_the_web_then_says_the_handle_is_unknown(dns_server) -> None:
    with pytest.raises(ConfigError, match=r"does not know the handle 'nobody\.example'"):
        resolve("nobody.example", dns_server)
    assert dns_server.asked == ["_atproto.nobody.example."]


def test_ambiguous_or_foreign_txt_records_are_not_trusted(dns_server: DnsServer) -> None:
    for handle in ("two.example", "junk.example"):
        with pytest.raises(ConfigError, match="does not know the handle"):
            resolve(handle, dns_server)


def test_an_unreachable_dns_server_is_not_an_error_of_its_own() -> None:
    closed = DnsServer({})
    address = closed.address
    closed.close()  # nothing listens on the port now

    assert asyncio.run(identity.txt_did("shop.example", address)) == ""
