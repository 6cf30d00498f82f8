"""Sign-in with an app password, and finding an account's PDS from its handle.

handle → DID (the DNS TXT record `_atproto.<handle>` = `did=…`, else
`https://<handle>/.well-known/atproto-did`, else the resolver's
`com.atproto.identity.resolveHandle`) → DID document (PLC directory for did:plc,
`/.well-known/did.json` for did:web) → the `#atproto_pds` service endpoint.
A service URL given by the user (self-hosted PDS, a local test network) is used
exactly as written: scheme, host and port are kept.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from inbox import transport
from inbox.core.errors import AuthExpired, ConfigError, NetworkError, RemoteRejected
from inbox.core.models import AccountInfo
from inbox.networks.bluesky.xrpc import Session, Xrpc, XrpcFailed

ENTRYWAY = "https://bsky.social"  # createSession for accounts hosted by Bluesky
RESOLVER = "https://public.api.bsky.app"
PLC_DIRECTORY = "https://plc.directory"
# Whoever runs the handle's web server answers these: a DID is under 2 KB and a DID
# document a few KB, so an endless or dripping answer stops early (transport.send).
DID_BYTES = 64 * 1024
DOCUMENT_BYTES = 1024 * 1024
_HANDLE = re.compile(
    r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
)
_DID = re.compile(r"^did:[a-z]+:[a-zA-Z0-9._:%-]+$")
APP_PASSWORD_HELP = (
    "Use an app password, not your account password: Bluesky → Settings → Privacy and "
    'security → App passwords → Add. Tick "Allow access to your direct messages" to '
    "see DMs here."
)


def normalize_handle(handle: str) -> str:
    """ "@Alice.bsky.social " -> "alice.bsky.social"; an e-mail address is kept as is."""
    handle = handle.strip()
    if "@" in handle.lstrip("@"):
        return handle  # an e-mail address
    return handle.lstrip("@").lower()


def is_handle(text: str) -> bool:
    return bool(_HANDLE.match(text)) and len(text) <= 253


def service_url(text: str) -> str:
    """A service URL as given, only without a trailing slash; https:// when no scheme."""
    text = text.strip().rstrip("/")
    if not text:
        raise ConfigError("The service URL is empty")
    if "://" not in text:
        text = f"https://{text}"
    url = httpx.URL(text)
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(f"{text!r} is not an http(s) service URL")
    return text


async def txt_did(handle: str, nameserver: str = "") -> str:
    """The DID in the handle's `_atproto` TXT record, or "" when there is none.

    nameserver: "host:port" to ask instead of the system's resolvers (tests, split DNS).
    dnspython is imported here, at sign-in only (about 60 ms).
    """
    import dns.asyncresolver
    import dns.exception

    resolver = dns.asyncresolver.Resolver(configure=not nameserver)
    if nameserver:
        host, _, port = nameserver.rpartition(":")
        resolver.nameservers = [host.strip("[]")]
        resolver.port = int(port)
    try:
        answer = await resolver.resolve(f"_atproto.{handle}", "TXT", lifetime=5.0)
    except (dns.exception.DNSException, OSError, ValueError):
        return ""  # no such record, no DNS (offline), a broken system resolver config
    found = set()
    for record in answer:
        text = b"".join(record.strings).decode("utf-8", "replace").strip()
        if text.startswith("did=") and _DID.match(text[4:]):
            found.add(text[4:])
    return found.pop() if len(found) == 1 else ""  # two different DIDs: trust neither


async def resolve_did(
    http: httpx.AsyncClient, handle: str, resolver: str = RESOLVER, nameserver: str = ""
) -> str:
    """The DID a handle points at; raises ConfigError when nothing knows the handle."""
    if not is_handle(handle):
        raise ConfigError(f"{handle!r} is not a Bluesky handle (like alice.bsky.social)")
    did = await txt_did(handle, nameserver)
    if did:
        return did
    try:
        response = await transport.send(
            http, "GET", f"https://{handle}/.well-known/atproto-did",
            max_bytes=DID_BYTES, deadline=10.0,
        )  # fmt: skip
        did = response.text.strip() if response.status_code == 200 else ""
        if _DID.match(did):
            return did
    except (httpx.HTTPError, transport.TooLarge, transport.TooSlow):
        pass  # no usable web record: ask the resolver
    try:
        body = await Xrpc(http, resolver).get(
            "com.atproto.identity.resolveHandle", {"handle": handle}, auth=False
        )
    except XrpcFailed as exc:
        raise ConfigError(f"Bluesky does not know the handle {handle!r} ({exc})") from exc
    found = body.get("did") if isinstance(body, dict) else None
    if not isinstance(found, str) or not _DID.match(found):
        raise ConfigError(f"Bluesky does not know the handle {handle!r}")
    return found


def pds_of(doc: Any) -> str | None:
    """The #atproto_pds service endpoint of a DID document, if it has one."""
    if not isinstance(doc, dict) or not isinstance(doc.get("service"), list):
        return None
    for service in doc["service"]:
        if (
            isinstance(service, dict)
            and str(service.get("id", "")).endswith("#atproto_pds")
            and isinstance(service.get("serviceEndpoint"), str)
        ):
            return str(service["serviceEndpoint"]).rstrip("/")
    return None


async def did_document(http: httpx.AsyncClient, did: str, plc: str = PLC_DIRECTORY) -> Any:
    if did.startswith("did:plc:"):
        url = f"{plc.rstrip('/')}/{did}"
    elif did.startswith("did:web:"):
        url = f"https://{did.removeprefix('did:web:').replace('%3A', ':')}/.well-known/did.json"
    else:
        raise ConfigError(f"Unsupported DID method in {did!r}")
    try:
        response = await transport.send(http, "GET", url, max_bytes=DOCUMENT_BYTES, deadline=15.0)
    except httpx.HTTPError as exc:
        raise NetworkError(f"Cannot read the DID document of {did}: {type(exc).__name__}") from exc
    except (transport.TooLarge, transport.TooSlow) as exc:
        raise NetworkError(f"Cannot read the DID document of {did}: {exc}") from None
    if response.status_code != 200:
        raise ConfigError(f"No DID document for {did} (HTTP {response.status_code})")
    try:
        return transport.loads(response.content)  # depth-limited: never a RecursionError
    except ValueError as exc:
        raise ConfigError(f"The DID document of {did} cannot be read: {exc}") from None


async def find_pds(
    http: httpx.AsyncClient,
    handle: str,
    resolver: str = RESOLVER,
    plc: str = PLC_DIRECTORY,
    nameserver: str = "",
) -> str:
    """handle → DID → DID document → PDS URL."""
    did = await resolve_did(http, handle, resolver, nameserver)
    pds = pds_of(await did_document(http, did, plc))
    if pds is None:
        raise ConfigError(f"The DID document of {handle} names no PDS")
    return pds


async def sign_in(
    http: httpx.AsyncClient,
    identifier: str,
    password: str,
    service: str | None = None,
    *,
    resolver: str = RESOLVER,
    plc: str = PLC_DIRECTORY,
    nameserver: str = "",
) -> Session:
    """createSession once with an app password; the session goes to the keyring.

    Raises:
        ConfigError: unknown handle, bad service URL.
        AuthExpired: wrong handle or password ("Invalid identifier or password").
        RemoteRejected: the PDS refused for another reason (takedown, 2FA).
    """
    identifier = normalize_handle(identifier)
    if not identifier:
        raise ConfigError("Enter your handle or e-mail address")
    if not password:
        raise ConfigError("Enter an app password")
    explicit = service is not None and service.strip() != ""
    if explicit:
        base = service_url(str(service))
    elif "@" in identifier:
        base = ENTRYWAY  # an e-mail address cannot be resolved; the entryway knows it
    else:
        base = await find_pds(http, identifier, resolver, plc, nameserver)
    xrpc = Xrpc(http, base)
    try:
        body = await xrpc.post(
            "com.atproto.server.createSession",
            {"identifier": identifier, "password": password},
            auth=False,
        )
    except AuthExpired as exc:
        raise AuthExpired(f"Wrong handle or app password ({exc})") from exc
    except XrpcFailed as exc:
        if exc.error == "AuthFactorTokenRequired":
            raise RemoteRejected(
                "This account asks for a sign-in code: use an app password instead"
            ) from exc
        if exc.status == 401:
            raise AuthExpired(f"Wrong handle or app password: {exc}") from exc
        raise
    if not isinstance(body, dict) or not isinstance(body.get("did"), str):
        raise NetworkError(f"{xrpc.host} answered createSession without a session")
    if not explicit:  # accounts on the entryway live on a PDS of their own
        base = pds_of(body.get("didDoc")) or base
    return Session(
        did=body["did"],
        handle=str(body.get("handle") or identifier),
        service=base,
        access_jwt=str(body.get("accessJwt") or ""),
        refresh_jwt=str(body.get("refreshJwt") or ""),
        email=str(body.get("email") or ""),
    )


def account_info(session: Session, profile: Any = None) -> AccountInfo:
    """The AccountInfo of a session; instance is the PDS URL exactly (scheme and port)."""
    p = profile if isinstance(profile, dict) else {}
    name = p.get("displayName")
    avatar = p.get("avatar")
    return AccountInfo(
        network="bluesky",
        instance=session.service,
        remote_id=session.did,
        handle=session.handle,
        display_name=name if isinstance(name, str) else "",
        avatar_url=avatar if isinstance(avatar, str) else "",
    )


async def sign_in_account(
    http: httpx.AsyncClient,
    identifier: str,
    password: str,
    service: str | None = None,
    **resolve: str,
) -> tuple[AccountInfo, str]:
    """The registry's password sign-in: (who it is, the session JSON for the keyring).

    service: a PDS URL kept exactly as given; None finds the PDS from the handle.
    resolve: resolver / plc URLs and a DNS nameserver ("host:port") for handle
    resolution (tests, self-hosted networks).
    """
    from inbox.networks.bluesky.adapter import BlueskyAdapter

    session = await sign_in(http, identifier, password, service, **resolve)
    probe = BlueskyAdapter(account_info(session), session.dumps(), http=http)
    try:
        info = await probe.verify()
    except NetworkError:  # the AppView is down: the session alone names the account
        info = account_info(session)
    return info, session.dumps()
