"""The demo's Mastodon recording in the real API's payload shape, replayed through the adapter.

The demo keeps one normalized recording per account (inbox/demo/data/mastodon.json).
to_api() turns it into what a Mastodon server answers (Account, Instance,
Notification and Status objects, status contexts), with times shifted like the
other recordings; adapter() serves that through networks.mastodon.replay, so
the demo's Mastodon account runs the real adapter, mapping and sync code.
It is the network's Capabilities.demo.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from datetime import timedelta
from typing import Any

from inbox.core.clock import Clock, from_iso, to_iso
from inbox.core.models import AccountInfo
from inbox.networks.mastodon.adapter import MastodonAdapter
from inbox.networks.mastodon.replay import RecordedInstance

DEMO_TOKEN = "demo"  # the recorded instance checks nothing; never a real token

# Followers who answer the shop's posts (the recorded instance's audience): a post made
# in the demo gets the next three of these as replies, so Reports has posts · replies.
AUDIENCE = (
    ("mira@tea.social", "Mira K.", "Ordered two tins already, can't wait!"),
    ("jonas@mastodon.demo", "Jonas", "Is it the same estate as last year?"),
    ("priya@fosstodon.example", "Priya", "Your first flush was the best tea I had all spring."),
    ("leo@mastodon.demo", "Leo", "Do you ship to Norway?"),
    ("ana@tea.social", "Ana Souza", "80 °C changed my green tea life, thanks for the tip"),
    ("sam_b@mastodon.demo", "Sam B.", "What about oolong? Same temperature?"),
)


def _account(author: dict[str, Any], host: str) -> dict[str, Any]:
    handle = str(author["handle"])
    username, _, domain = handle.partition("@")
    return {
        "id": str(author["id"]),
        "username": username,
        "acct": username if domain in ("", host) else handle,
        "display_name": author.get("name", ""),
        "avatar": author.get("avatar_url", ""),
        "url": author.get("profile_url", ""),
        "followers_count": author.get("followers") or 0,
    }


def _mention(handle: str, host: str) -> dict[str, str]:
    username, _, domain = handle.lstrip("@").partition("@")
    acct = username if domain in ("", host) else f"{username}@{domain}"
    return {"id": "", "username": username, "acct": acct, "url": ""}


def _status(item: dict[str, Any], host: str, shift: timedelta) -> dict[str, Any]:
    return {
        "id": str(item["id"]),
        "created_at": to_iso(from_iso(item["created_at"]) + shift),
        "account": _account(item["author"], host),
        "content": item.get("html") or f"<p>{item['text']}</p>",
        "visibility": item.get("visibility", "public"),
        "spoiler_text": item.get("spoiler_text", ""),
        "sensitive": bool(item.get("spoiler_text")),
        "language": item.get("language") or None,
        "url": item.get("url", ""),
        "uri": item.get("url", ""),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "mentions": [_mention(h, host) for h in item.get("mentions", ())],
        "media_attachments": [
            {
                "id": f"{item['id']}-{n}",
                "type": m.get("kind", "image"),
                "url": m.get("url", ""),
                "preview_url": m.get("preview_url", ""),
                "description": m.get("description", ""),
            }
            for n, m in enumerate(item.get("media", ()))
        ],
        "emojis": [],
        "poll": None,
    }


def to_api(data: dict[str, Any], shift: timedelta = timedelta()) -> dict[str, Any]:
    """A normalized recording as {"account", "instance", "notifications", "contexts"}."""
    info = data["account"]
    host = str(info["instance"])
    me = _account(
        {"id": info["remote_id"], "handle": info["handle"], "name": info["display_name"]}, host
    )
    items = [item for stream in data["streams"].values() for item in stream]
    threads: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i["created_at"]):
        threads[str(item["conversation"])].append(item)
    statuses: dict[str, dict[str, Any]] = {}
    contexts: dict[str, Any] = {}
    for thread in threads.values():
        # Each message of a conversation replies to the one before it, as on the server.
        chain = [_status(item, host, shift) for item in thread]
        for before, status in itertools.pairwise(chain):
            status["in_reply_to_id"] = before["id"]
            status["in_reply_to_account_id"] = before["account"]["id"]
        for n, status in enumerate(chain):
            statuses[status["id"]] = status
            if n:
                contexts[status["id"]] = {"ancestors": chain[:n], "descendants": chain[n + 1 :]}
    notifications = []
    inbound = sorted(
        (i for i in items if i.get("direction", "in") == "in"), key=lambda i: i["created_at"]
    )
    for n, item in enumerate(inbound):
        status = statuses[str(item["id"])]
        notifications.append(
            {
                "id": str(100_000 + n),  # notification ids grow with time, like the server's
                "type": "quote" if item.get("kind") == "quote" else "mention",
                "created_at": status["created_at"],
                "account": status["account"],
                "status": status,
            }
        )
    instance = {
        "domain": host,
        "title": "Demo instance",
        "version": "4.5.0",
        "api_versions": {"mastodon": 7},
        "configuration": {
            "statuses": {
                "max_characters": 500,
                "max_media_attachments": 4,
                "characters_reserved_per_url": 23,
            },
            "media_attachments": {"description_limit": 1500, "image_size_limit": 16777216},
        },
    }
    public = []
    for item in data.get("public", []):  # found by the demo's search column, not to us
        status = _status(item, host, shift)
        status["tags"] = [
            {"name": tag.lower(), "url": f"https://{host}/tags/{tag.lower()}"}
            for tag in re.findall(r"#(\w+)", str(item["text"]))
        ]
        public.append(status)
    audience = [
        {
            "account": _account({"id": f"fan-{n}", "handle": handle, "name": name}, host),
            "text": text,
        }
        for n, (handle, name, text) in enumerate(AUDIENCE)
    ]
    return {
        "account": me,
        "instance": instance,
        "notifications": notifications,
        "contexts": contexts,
        "public": public,
        "audience": audience,
    }


def adapter(data: dict[str, Any], clock: Clock) -> tuple[AccountInfo, MastodonAdapter]:
    """The demo account's info and a real MastodonAdapter talking to its recorded instance."""
    import httpx

    shift = clock.now() - from_iso(data["recorded_at"])
    server = RecordedInstance(to_api(data, shift), clock)
    a = data["account"]
    info = AccountInfo(
        "mastodon", a["instance"], a["remote_id"], a["handle"], a.get("display_name", "")
    )
    http = httpx.AsyncClient(transport=server.transport())
    return info, MastodonAdapter(
        info,
        DEMO_TOKEN,
        http=http,
        clock=clock,
        window_days=3650,
        window_items=100_000,
        page_size=80,
        live_updates=False,
    )
