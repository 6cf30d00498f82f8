"""The demo's working day: every feature in use, made through the operations a user's
key presses and CLI verbs call (engine.triage, engine.replies, engine.publishing,
engine.connectors), acting as the demo's team members, with times relative to now.

What a newcomer then sees: team members to assign to, conversations assigned,
tagged and noted; saved replies for "/"; a VIP; a reply we sent (filed in its
conversation, SLA stopped); a conversation pushed to the help desk as a ticket;
a solved case published as a knowledge-base article; scheduled posts and posts
waiting for approval in the calendar. Spam is hidden by the default rules.

The help desk is a webhook connector whose HTTP goes to a recorded desk in
memory (engine.connectors.TRANSPORTS), the way the demo's Mastodon account
talks to a recorded instance; the knowledge base is a Markdown folder in the
profile. Seeding twice changes nothing: the features are made once, when the
profile has no team member yet.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

import httpx

from inbox.core.article import draft_article
from inbox.core.events import Changed
from inbox.core.guidelines import Guideline, Severity
from inbox.core.models import Role
from inbox.core.posts import Post, post_to_data
from inbox.core.schedule import local_to_utc, system_zone
from inbox.core.templates import Template
from inbox.engine import connectors, ops, publishing, triage
from inbox.engine.ops.moderation import guideline_args
from inbox.engine.ops.templates import template_args
from inbox.engine.outbox import deliver_due
from inbox.engine.replies import queue_reply
from inbox.engine.sync import sync_account

if TYPE_CHECKING:
    from inbox.engine.runtime import Engine

DESK = "Help desk"
KB = "Knowledge base"
DESK_URL = "https://desk.leafandkettle.example/hooks/social-inbox"

TEMPLATES = (
    Template(
        "Refund on its way",
        "Hi {author.name}, we've refunded the duplicate charge; it shows in 3-5 "
        "business days. Sorry for the trouble! — {agent.name}",
        shortcut="refund",
    ),
    Template(
        "Shipping delay",
        "Hi {author.name}, your parcel is with the courier and should arrive in 2-3 "
        "days. We'll keep an eye on it. — {agent.name}",
        shortcut="ship",
    ),
    Template(
        "Outage: we're on it",
        "Sorry {author.name}! Checkout is down right now; we're on it and will post "
        "here as soon as it's back.",
        shortcut="outage",
    ),
    Template(
        "Thanks for the love",
        "Thank you so much {author.name}, that made our day! 🍵",
        shortcut="thanks",
    ),
)


class RecordedDesk:
    """A help desk answering the webhook connector's deliveries, in memory."""

    def __init__(self) -> None:
        self.tickets: dict[str, str] = {}  # marker -> ticket number

    def handle(self, request: httpx.Request) -> httpx.Response:
        try:
            event = json.loads(request.content)
        except ValueError:
            return httpx.Response(400, json={"error": "not JSON"})
        if event.get("type") == "conversation.pushed":
            number = self.tickets.setdefault(str(event.get("id")), str(4711 + len(self.tickets)))
            url = f"https://desk.leafandkettle.example/tickets/{number}"
            return httpx.Response(201, json={"id": number, "url": url})
        return httpx.Response(200, json={})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


def attach_desk(engine: Engine) -> None:
    """Route the demo's help desk connector to the recorded desk (every session)."""
    profile = engine.store.connectors.profile_id()
    connectors.TRANSPORTS[(profile, DESK)] = RecordedDesk().transport()


def _find(engine: Engine, text: str, exclude: set[int], network: str = "") -> int | None:
    """The newest conversation whose messages match text (full-text), not yet used."""
    for summary in engine.store.conversations.search(text, limit=50):
        if network and summary.network != network:
            continue
        if "spam" not in summary.tags and summary.id not in exclude:
            return summary.id
    return None


def _at(engine: Engine, days: int, hour: int, minute: int, zone: str) -> datetime:
    """days from today at hour:minute local time, in UTC."""
    today = engine.clock.now().astimezone().date()
    return local_to_utc(datetime.combine(today + timedelta(days=days), time(hour, minute)), zone)


SOLVED = (
    # (search, how many, who answers, the answer: {first} {order} {product} from the question)
    (
        "charged twice OR double charge",
        3,
        "Sam",
        "Hi {first}, so sorry about the double charge{on_order}! We've refunded the duplicate "
        "payment; it shows on your card in 3-5 business days. — Sam",
    ),
    (
        "parcel OR tracking",
        2,
        "Alex",
        "Hi {first}, we checked with the courier: your parcel{on_order} is on its way and "
        "should arrive within 2-3 days. If it hasn't by Friday, we'll send a new one. — Alex",
    ),
    (
        "back in stock",
        2,
        "Jordan",
        "Hi {first}, the {product} is back in stock next Tuesday. Tap 'notify me' on its "
        "page and we'll e-mail you the moment it's in. — Jordan",
    ),
)


async def _solved_cases(
    engine: Engine, used: set[int], names: dict[str, str], ids: dict[str, int]
) -> None:
    store = engine.store
    answered: list[int] = []
    for search, count, who, answer in SOLVED:
        first_id = 0  # the group's first answer: the later ones reused it as a suggestion
        found = [
            s
            for s in store.conversations.search(search, limit=50)
            if s.id not in used and "spam" not in s.tags and s.message_count == 1
        ]
        for summary in sorted(found, key=lambda s: s.id)[:count]:
            used.add(summary.id)
            question = " ".join(m.text for m in store.conversations.messages(summary.id))
            order = re.search(r"#(\d{3,})", question)
            product = re.search(r"the (.+?) be back in stock", question)
            text = answer.format(
                first=(summary.contact_name or summary.contact_handle).split()[0],
                on_order=f" on order #{order.group(1)}" if order else "",
                product=product.group(1) if product else "tea",
            )
            triage.assign(engine, [summary.id], ids[who])  # who took it, for Reports
            if first_id:  # Reports: suggestion use, first response with vs without one
                ops.run(
                    engine,
                    "suggestions.use",
                    initiator="engine",
                    conversation_id=summary.id,
                    source="conversation",
                    source_id=first_id,
                )
            first_id = first_id or summary.id
            queue_reply(engine, summary.id, text, f"demo-solved-{summary.id}", actor=names[who])
            answered.append(summary.id)
    await deliver_due(engine, kinds=("reply",))
    triage.resolve(engine, answered)


# Work routed to the teams (the window's "move to team", conversations.route), first match
# wins, so Reports has a bar per team; the rest stays with no team.
ROUTES = (
    ("Billing", "refund OR charged OR charge OR invoice OR cobrado OR promo"),
    ("Support", "502 OR down OR checkout OR payment OR parcel OR tracking OR delivery OR order"),
    ("Community", "love OR thanks OR steep OR stock OR caffeine OR organic OR recipe"),
)

# Posts that went out today on Mastodon; the instance's audience answers each with three
# replies (networks/mastodon/demo.py AUDIENCE), fetched by the next sync like any mention.
PUBLISHED = (
    "First-flush Darjeeling 2026 is in the shop: bright, floral, a little muscat. 🍃",
    "Steeping tip of the week: 80 °C for greens, 95 °C for blacks. What's in your cup today?",
)


def _route(engine: Engine, teams: dict[str, int]) -> None:
    routed: set[int] = set()
    for team, query in ROUTES:
        found = [
            s.id
            for s in engine.store.conversations.search(query, limit=1000)
            if "spam" not in s.tags and s.id not in routed
        ]
        routed.update(found)
        if found:
            triage.set_team(engine, found, teams[team])


# The team's guidelines: the composer and the reply box check them as you type, the
# moderation dialog offers them as the reason to block or report.
GUIDELINES = (
    Guideline("No spam", "conduct", note="Follower sales, scams, bots: block and report"),
    Guideline("No harassment", "conduct", note="Threats and abuse: block, report, tell the lead"),
    Guideline(
        "No promises", "forbidden", ("guaranteed refund", "free forever", "never late"),
        severity=Severity.APPROVAL, note="Refunds and delivery dates are decided case by case",
    ),
    Guideline(
        "Disclose ads", "disclosure", ("#ad", "#sponsored"), ("sponsored", "partner", "giveaway"),
        note="Paid or gifted: say so",
    ),
    Guideline(
        "Health claims", "claims", ("cures", "detox", "clinically proven", "boosts immunity"),
        severity=Severity.APPROVAL, note="Tea is tea: no medical claims",
    ),
)  # fmt: skip


def _post_op(engine: Engine, name: str, post: Post, member_id: int | None = None) -> None:
    """A post through the composer's own operation (posts.submit / posts.save_draft)."""
    args = {"member_id": member_id} if member_id is not None else {}
    ops.run(engine, name, initiator="engine", post=post_to_data(post), **args)


async def seed_features(engine: Engine) -> Changed:
    """Make the demo's day of work once; returns what changed."""
    store = engine.store
    attach_desk(engine)
    if store.teams.members():
        return Changed()
    teams = {t.name: t.id for t in store.teams.list_teams()}
    alex = triage.add_member(engine, "Alex Rivera", Role.ADMIN, tuple(teams.values()))
    sam = triage.add_member(
        engine, "Sam Okafor", Role.APPROVER, (teams["Support"], teams["Billing"])
    )
    jordan = triage.add_member(engine, "Jordan Lee", Role.CONTRIBUTOR, (teams["Community"],))
    ops.run(engine, "members.set_current", initiator="engine", member_id=alex.id)
    for template in TEMPLATES:
        ops.run(engine, "templates.save", initiator="engine", template=template_args(template))

    for guideline in GUIDELINES:
        ops.run(engine, "guidelines.save", initiator="engine", guideline=guideline_args(guideline))

    _route(engine, teams)
    used: set[int] = set()

    def pick(text: str, network: str = "") -> int | None:
        found = _find(engine, text, used, network)
        if found is not None:
            used.add(found)
        return found

    def ids(*found: int | None) -> list[int]:
        return [i for i in found if i is not None]

    # Triage: assignment, tags, a note, a VIP, a resolved case.
    outage = ids(pick("502"), pick("payment spins"), pick("shop load"))
    triage.assign(engine, outage, alex.id)
    triage.tag(engine, outage, add=("outage",))
    billing = ids(pick("charged twice"), pick("refund two weeks"))
    triage.assign(engine, billing, sam.id)
    triage.tag(engine, billing, add=("refund",))
    if billing:
        note = "Checked the payment provider: two charges on the same card. Refund one."
        triage.add_note(engine, billing[0], note)
    vip = pick("Chloe")
    if vip is not None:
        triage.set_vip(engine, [vip])
        triage.tag(engine, [vip], add=("vip",))
        triage.assign(engine, [vip], alex.id)

    # A reply sent through the outbox: filed in its conversation, its SLA clock stopped.
    answered = pick("steep", "mastodon") or pick("steep")
    if answered is not None:
        queue_reply(
            engine,
            answered,
            "3 minutes at 80 °C for green teas, 4-5 at 95 °C for black. Enjoy!",
            "demo-reply-steep",
        )
        await deliver_due(engine, kinds=("reply",))

    # A ticket on the help desk; follow-ups will land on it.
    ops.run(
        engine,
        "connectors.save",
        initiator="engine",
        name=DESK,
        kind="webhook",
        values={"url": DESK_URL, "secret": "demo-secret"},
    )
    pushed = billing[0] if billing else pick("refund")
    if pushed is not None:
        ops.run(
            engine, "connectors.push", initiator="engine", conversation_id=pushed, connector=DESK
        )
        await deliver_due(engine, kinds=("push",))
        await deliver_due(engine, kinds=("append",))  # the note made before the push

    # A solved case published as an article in the profile's own Markdown folder.
    kb = store.path.parent / "knowledge-base"
    kb.mkdir(exist_ok=True)
    ops.run(
        engine,
        "connectors.save",
        initiator="engine",
        name=KB,
        kind="markdown",
        values={"folder": str(kb)},
    )
    solved = pick("caffeine-free", "mastodon") or pick("organic")
    if solved is not None:
        queue_reply(
            engine,
            solved,
            "Try our rooibos and honeybush blends: naturally caffeine-free and full of flavour.",
            "demo-reply-solved",
        )
        await deliver_due(engine, kinds=("reply",))
        triage.resolve(engine, [solved])
        article = draft_article(
            store.connectors.transcript(solved), title="Caffeine-free teas with real flavour"
        )
        ops.run(
            engine,
            "connectors.article",
            initiator="engine",
            article=connectors.article_args(article),
            connector=KB,
        )
        await deliver_due(engine, kinds=("article",))

    # Solved cases answered by colleagues: what the pane's suggested answers draw on. Three
    # "charged twice" complaints answered alike by Sam (so a fourth shows Sam's refund
    # answer first, and the deck offers to write an article from them), parcels by Alex,
    # stock questions by Jordan. Each through the outbox, then resolved.
    await _solved_cases(
        engine,
        used,
        {"Sam": sam.name, "Alex": alex.name, "Jordan": jordan.name},
        {"Sam": sam.id, "Alex": alex.id, "Jordan": jordan.id},
    )

    # Posts: scheduled by an admin, waiting for approval from a contributor, a draft.
    zone = system_zone()
    accounts = {a.network: a.id for a in store.accounts()}
    mastodon, bluesky = accounts.get("mastodon"), accounts.get("bluesky")
    both = tuple(i for i in (mastodon, bluesky) if i is not None)
    if both:
        posts = (
            (alex, 1, 9, 30, "New harvest: first-flush Darjeeling is in the shop today 🍃"),
            (alex, 3, 15, 0, "Steeping tip: green teas like it cooler, 80 °C is plenty."),
            (jordan, 2, 11, 0, "Weekend giveaway for our newsletter readers: sign up by Friday!"),
            (jordan, 4, 17, 30, "Behind the scenes: how we pack 300 parcels a day."),
        )
        for member, days, hour, minute, text in posts:
            post = Post(
                text,
                account_ids=both,
                team_id=teams["Community"],
                scheduled_at=_at(engine, days, hour, minute, zone),
                zone=zone,
            )
            _post_op(engine, "posts.submit", post, member.id)
        draft = Post("Autumn blends preview (photos to come)", both, team_id=teams["Community"])
        _post_op(engine, "posts.save_draft", draft)
    if mastodon is not None:
        for text in PUBLISHED:
            post = Post(text, account_ids=(mastodon,), team_id=teams["Community"])
            _post_op(engine, "posts.submit", post, alex.id)
        while await publishing.tick(engine):  # the publisher's own rounds, as the app runs them
            pass
        await sync_account(engine, mastodon)  # the followers' replies
    return Changed(conversations=frozenset(used), teams=True, posts=True, outbox=True)
