"""Writes the demo recordings (resources/demo/*.json): run once, commit the JSON.

    python -m inbox.demo.generate [OUT_DIR]

Deterministic (a fixed random seed and a fixed recording time), so running it
again rewrites the same bytes. The seed only reads the JSON; this script is
kept so the workspace can be regenerated or extended, not run at start-up.
"""

from __future__ import annotations

import html
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from inbox.core.clock import to_iso
from inbox.networks.replay import FORMAT

RECORDED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Run from a source checkout: the recordings are committed under resources/demo/.
OUT = Path(__file__).resolve().parents[2] / "resources" / "demo"

ACCOUNTS: dict[str, dict[str, str]] = {
    "mastodon": {
        "network": "mastodon",
        "instance": "mastodon.demo",
        "remote_id": "109384",
        "handle": "teashop@mastodon.demo",
        "display_name": "Leaf & Kettle Tea Co.",
    },
    "bluesky": {
        "network": "bluesky",
        "instance": "bsky.social",
        "remote_id": "did:plc:leafkettle7q2",
        "handle": "leafandkettle.bsky.social",
        "display_name": "Leaf & Kettle Tea Co.",
    },
    "x": {
        "network": "x",
        "instance": "x.com",
        "remote_id": "1482230917",
        "handle": "LeafKettleTea",
        "display_name": "Leaf & Kettle Tea",
    },
}

# How many conversations of each scenario each account gets.
PLAN = {
    "mastodon": {"outage": 22, "billing": 14, "shipping": 18, "praise": 20, "question": 24,
                 "dm": 16, "spam": 6, "foreign": 6},
    "bluesky": {"outage": 16, "billing": 10, "shipping": 14, "praise": 18, "question": 18,
                "dm": 12, "spam": 6, "foreign": 6},
    "x": {"outage": 20, "billing": 12, "shipping": 16, "praise": 14, "question": 18,
          "dm": 14, "spam": 10, "foreign": 6},
}  # fmt: skip


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words("""mia noah lena omar yuki sofia liam ava ines jonas priya mateo chloe arjun emma
kofi hana lucas zoe tariq nora felix amara diego ida ravi elena theo maya sven aisha
hugo lea jun carla finn rosa malik alba kai nina oscar selin ben marta leo tess""")
LAST = _words("""green brewer fields kato silva novak berg owusu patel moreau lind chen rossi
weber haddad ito garcia okafor jensen costa""")

PRODUCTS = [
    "jasmine pearls",
    "genmaicha",
    "Earl Grey Supreme",
    "ceremonial matcha",
    "Darjeeling first flush",
    "Ali Shan oolong",
    "rooibos chai",
    "Dragonwell",
    "starter sampler",
    "gaiwan set",
    "cast-iron kettle",
    "Lapsang souchong",
]

OUTAGE = [
    "Is your site down? I get a 502 every time I try to check out",
    "Checkout is broken, the payment page just spins forever",
    "@{us} your shop won't load at all, is something wrong?",
    "Tried to order the {product} three times, checkout keeps failing with an error",
    "My cart emptied itself and now the site is down?",
    "Site down for anyone else? Can't reach the Leaf & Kettle shop",
    "Getting 'something went wrong' on the payment step. Was I charged?",
    "Your checkout is broken on mobile and desktop, please fix it! I need the {product} for a gift",
    "The website has been down for an hour, is there another way to order?",
    "Payment failed but my bank shows a pending charge. What happened?",
]
OUTAGE_AGAIN = [
    "Still down for me",
    "Still broken, any update?",
    "Any news? Still can't check out",
    "OK it works again, order placed. Thanks!",
]
BILLING = [
    "I was charged twice for order #{order}, can you refund one of them?",
    "Still waiting on my refund for order #{order}, it's been two weeks",
    "Can I get an invoice with my company VAT number for order #{order}?",
    "My promo code SPRING15 didn't apply but I was charged full price",
    "Why was I charged a subscription fee? I cancelled last month",
    "Double charge on my card for the {product}, please help",
    "Refund please: the {product} arrived damaged (order #{order})",
]
SHIPPING = [
    "Where is my parcel? Order #{order} still says 'label created'",
    "Tracking for #{order} hasn't updated in 6 days, is it lost?",
    "Do you ship to Canada? And how long does it take?",
    "My order says delivered but nothing is here",
    "Can I change the delivery address for order #{order}? I moved",
    "The {product} arrived but the box was crushed",
    "How much is shipping to Norway?",
]
PRAISE = [
    "Loving the {product} from @{us}, best cup of my week",
    "Just got my {product}, the packaging is gorgeous. Thank you!",
    "Shoutout to @{us} for the fastest delivery ever",
    "The {product} is incredible. Already ordering more",
    "Gifted the {product} to my mum and she loves it",
    "Third order from @{us} and never disappointed",
]
QUESTION = [
    "Do you have any caffeine-free teas that still taste like something?",
    "When will the {product} be back in stock?",
    "What's the difference between sencha and gyokuro?",
    "How long should I steep the {product}?",
    "Are your teas organic?",
    "Do you offer wholesale prices for cafés?",
    "Can I buy a gift card?",
    "Is the {product} good cold-brewed?",
    "Do you still do the monthly subscription box?",
]
DM_OPEN = [
    "Hi! Quick question about my order #{order}: can I add a {product} before it ships?",
    "Hello, I ordered the {product} but received the wrong tea",
    "Hey, is there a discount for teachers? Asking for our staff room",
    "My subscription renewed but I wanted to pause it, can you help?",
    "Hi there, I'd like to return the {product}, it's unopened",
    "Could you send me the allergen info for the {product}?",
]
DM_OUR_REPLY = [
    "Hi {name}, thanks for writing! Could you send us your order number and email?",
    "So sorry about that, {name}. We're on it and will get back to you today.",
    "Thanks {name}! Done: you'll get a confirmation email shortly.",
    "Hi {name}, we've issued the refund; it can take 3-5 business days to show.",
]
DM_FOLLOWUP = [
    "Thanks, it's #{order} and the email is the one on this account",
    "Great, thank you so much!",
    "Any update? Still nothing on my side",
    "Perfect, that solved it",
]
SPAM = [
    "Earn $5000 a day from home with crypto!! DM me now https://bit.ly/x9crypt",
    "Buy 10k followers for $9 — real accounts, instant delivery https://followz.example",
    "🔥🔥 Free iPhone giveaway, click https://win-now.example to claim 🔥🔥",
    "Congratulations @{us}! Your account was selected for verification: https://verify-acc.example",
    "Hot singles in your area https://spam.example",
]
FOREIGN = [
    ("de", "Ist der Shop gerade down? Ich kann nicht bezahlen"),
    ("fr", "Mon colis n'est jamais arrivé, commande #{order}. Vous pouvez vérifier ?"),
    ("es", "¿Envían a México? Me encanta el {product}"),
    ("ja", "抹茶の再入荷はいつですか？"),
    ("pt", "Fui cobrado duas vezes pelo pedido #{order}, podem reembolsar?"),
    ("it", "Il miglior tè che abbia mai bevuto, grazie!"),
    ("nl", "Is de website stuk? Afrekenen lukt niet"),
]
OUR_PUBLIC_REPLY = [
    "We're aware checkout is down and are fixing it right now. Sorry! Updates soon.",
    "Thanks so much for the kind words!",
    "Hi! Please DM us your order number and we'll look into it.",
]

VIP: dict[str, Any] = {
    "first": "chloe",
    "last": "brews",
    "followers": 482_000,
    "name": "Chloe Brews ☕",
}


@dataclass
class Net:
    """Per-network id and handle styles, and the state of one account's generation."""

    key: str
    rng: random.Random
    people: list[dict[str, Any]] = field(default_factory=list)
    counter: int = 0

    def next_id(self) -> str:
        self.counter += 1
        if self.key == "mastodon":
            return str(111_900_000_000_000_000 + self.counter * 7919)
        if self.key == "x":
            return str(1_762_000_000_000_000_000 + self.counter * 104_729)
        return f"3l{self.counter:08d}k2a"

    def uri(self, remote_id: str, author: dict[str, Any]) -> str:
        if self.key == "mastodon":
            return f"https://{author['handle'].split('@')[-1]}/@{author['handle'].split('@')[0]}/{remote_id}"
        if self.key == "x":
            return f"https://x.com/{author['handle']}/status/{remote_id}"
        return f"https://bsky.app/profile/{author['handle']}/post/{remote_id}"


def _person(
    net: Net, first: str, last: str, n: int, followers: int | None = None
) -> dict[str, Any]:
    rng = net.rng
    if net.key == "mastodon":
        server = rng.choice(["mastodon.social", "hachyderm.io", "fosstodon.org", "tea.social"])
        handle = f"{first}{last[:3]}@{server}"
        pid = str(100_000 + n * 37)
    elif net.key == "bluesky":
        handle = f"{first}{last}.bsky.social"
        pid = f"did:plc:{first}{n:04d}{last[:2]}"
    else:
        handle = f"{first}_{last}{n % 97}"
        pid = str(880_000_000 + n * 1013)
    return {
        "id": pid,
        "handle": handle,
        "name": f"{first.title()} {last.title()}",
        "followers": followers if followers is not None else int(rng.paretovariate(1.3) * 40),
        "avatar_url": f"https://avatars.demo/{net.key}/{pid[-6:]}.png",
        "profile_url": f"https://{net.key}.demo/@{handle}",
    }


def _fill(template: str, rng: random.Random, us: str, name: str = "") -> str:
    return template.format(
        us=us.split("@")[0],
        product=rng.choice(PRODUCTS),
        order=rng.randint(40_000, 49_999),
        name=name,
    )


def _item(
    net: Net,
    conversation: str,
    kind: str,
    author: dict[str, Any],
    text: str,
    when: datetime,
    *,
    direction: str = "in",
    in_reply_to: str | None = None,
    language: str = "en",
    remote_id: str | None = None,
) -> dict[str, Any]:
    rid = remote_id or net.next_id()
    dm = kind == "dm"
    return {
        "id": rid,
        "conversation": conversation,
        "kind": kind,
        "direction": direction,
        "author": author,
        "text": text,
        "html": f"<p>{html.escape(text)}</p>" if net.key == "mastodon" else "",
        "created_at": to_iso(when),
        "url": "" if dm else net.uri(rid, author),
        "in_reply_to": in_reply_to,
        "visibility": "direct" if dm else "public",
        "language": language,
        "mentions": [],
        "media": [],
    }


def _account(net: Net) -> dict[str, Any]:
    info = ACCOUNTS[net.key]
    us: dict[str, Any] = {
        "id": info["remote_id"],
        "handle": info["handle"],
        "name": info["display_name"],
        "followers": 12_400,
        "avatar_url": "",
        "profile_url": "",
    }
    rng = net.rng
    net.people = [_person(net, rng.choice(FIRST), rng.choice(LAST), n) for n in range(1, 180)]
    vip = _person(net, VIP["first"], VIP["last"], 7, VIP["followers"])
    vip["name"] = VIP["name"]
    mentions: list[dict[str, Any]] = []
    dms: list[dict[str, Any]] = []
    outage_start = RECORDED_AT - timedelta(hours=6)

    def when(scenario: str) -> datetime:
        if scenario == "outage":
            return outage_start + timedelta(minutes=rng.uniform(0, 150))
        # Two weeks and a day, most of it recent (the square leans towards now), so a
        # report of the last 7 days has a week before it to compare with.
        return RECORDED_AT - timedelta(minutes=5 + (15 * 24 * 60 - 5) * rng.random() ** 2)

    public_kinds = ["mention"] * 6 + ["reply"] * 3 + (["quote"] if net.key != "mastodon" else [])
    for scenario, count in PLAN[net.key].items():
        for i in range(count):
            author = rng.choice(net.people)
            start = when(scenario)
            language = "en"
            if scenario == "outage":
                text = _fill(rng.choice(OUTAGE), rng, us["handle"])
            elif scenario == "billing":
                text = _fill(rng.choice(BILLING), rng, us["handle"])
            elif scenario == "shipping":
                text = _fill(rng.choice(SHIPPING), rng, us["handle"])
            elif scenario == "praise":
                text = _fill(rng.choice(PRAISE), rng, us["handle"])
                if i == 0:
                    author = vip
            elif scenario == "question":
                text = _fill(rng.choice(QUESTION), rng, us["handle"])
                if i == 1:
                    author = vip
            elif scenario == "spam":
                text = _fill(rng.choice(SPAM), rng, us["handle"])
                author = _person(net, "promo", f"deals{i}", 900 + i, rng.randint(0, 3))
            elif scenario == "foreign":
                language, template = FOREIGN[(i + len(net.key)) % len(FOREIGN)]
                text = _fill(template, rng, us["handle"])
            else:
                text = _fill(rng.choice(DM_OPEN), rng, us["handle"])
            # Billing problems mostly arrive as DMs, like in real life.
            kind = "dm" if scenario == "dm" or (scenario == "billing" and i % 3) else ""
            kind = kind or rng.choice(public_kinds)
            first = _item(net, "", kind, author, text, start, language=language)
            key = first["id"] if kind != "dm" else f"dm-{scenario}-{author['id']}-{i}"
            first["conversation"] = key
            thread = [first]
            at = start
            name = author["name"].split()[0]
            if kind == "dm" and rng.random() < 0.7:
                at += timedelta(minutes=rng.uniform(3, 90))
                reply = _fill(rng.choice(DM_OUR_REPLY), rng, us["handle"], name)
                thread.append(_item(net, key, kind, us, reply, at, direction="out"))
                if rng.random() < 0.6:
                    at += timedelta(minutes=rng.uniform(5, 240))
                    follow = _fill(rng.choice(DM_FOLLOWUP), rng, us["handle"])
                    thread.append(_item(net, key, kind, author, follow, at))
            elif scenario == "outage" and rng.random() < 0.4:
                at += timedelta(minutes=rng.uniform(10, 60))
                again = rng.choice(OUTAGE_AGAIN)
                thread.append(_item(net, key, "reply", author, again, at, in_reply_to=first["id"]))
                if rng.random() < 0.5:
                    at += timedelta(minutes=rng.uniform(2, 20))
                    ours = OUR_PUBLIC_REPLY[0]
                    thread.append(_item(net, key, "reply", us, ours, at, direction="out"))
            elif scenario in ("praise", "shipping") and rng.random() < 0.3:
                at += timedelta(minutes=rng.uniform(10, 120))
                ours = OUR_PUBLIC_REPLY[1 if scenario == "praise" else 2]
                thread.append(
                    _item(net, key, "reply", us, ours, at, direction="out", in_reply_to=first["id"])
                )
            # The recording ends at RECORDED_AT: nothing from the future.
            thread = [m for m in thread if m["created_at"] <= to_iso(RECORDED_AT)]
            (dms if kind == "dm" else mentions).extend(thread)
    mentions.sort(key=lambda m: (m["created_at"], m["id"]))
    dms.sort(key=lambda m: (m["created_at"], m["id"]))
    return {
        "format": FORMAT,
        "recorded_at": to_iso(RECORDED_AT),
        "account": info,
        "streams": {"mentions": mentions, "dms": dms},
        "public": _public(net),
    }


# Public posts nobody addressed to us, for the demo's "Competitors" search column: about
# the competitor (Kettleco), our #leafkettle tag, and tea in general (not found).
PUBLIC = (
    "Kettleco sent the wrong tin again. Third time this month, really disappointed.",
    "Is Kettleco's matcha worth it? Thinking of switching.",
    "Kettleco just raised every price by 20%. Time to look elsewhere.",
    "Kettleco support took nine days to answer. Terrible.",
    "Loving the new #leafkettle oolong this morning",
    "Gift box from #leafkettle arrived beautifully wrapped",
    "Kettleco giveaway! Click here for a free year of tea",
    "Anyone near the river market? Best chai stall in town.",
    "Kettleco vs the local shop: the local shop wins on freshness.",
    "My #leafkettle subscription paused itself, anyone else?",
)


def _public(net: Net) -> list[dict[str, Any]]:
    """Public posts found by searching (their own random stream: the rest is unchanged)."""
    rng = random.Random(f"public-{net.key}")
    posts = []
    for n, text in enumerate(PUBLIC):
        author = _person(net, rng.choice(FIRST), rng.choice(LAST), 400 + n)
        when = RECORDED_AT - timedelta(hours=rng.uniform(0.2, 30))
        post = _item(net, f"public-{n}", "monitoring", author, text, when)
        post.pop("conversation")
        posts.append(post)
    posts.sort(key=lambda m: (m["created_at"], m["id"]))
    return posts


def generate(out: Path = OUT) -> list[Path]:
    """Write one recording per account into out; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for n, key in enumerate(ACCOUNTS):
        data = _account(Net(key, random.Random(1000 + n)))
        path = out / f"{key}.json"
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for path in generate(Path(args[0]) if args else OUT):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
