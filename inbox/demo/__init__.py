"""The demo workspace: recorded payloads replayed through the adapters and the engine.

Each account's recording is one JSON file in resources/demo/ (written by
`python -m inbox.demo.generate`). Seeding replays them through the adapter
protocol and `engine.sync.sync_account`, the path real data takes, so
priorities come from `engine.decide` and cursors are stored. Seeding an
already seeded profile changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from inbox import assets
from inbox.core.clock import from_iso
from inbox.core.events import Changed
from inbox.core.models import ColumnFilter, Kind
from inbox.core.monitoring import make_spec
from inbox.core.sla import SlaPolicy
from inbox.demo import features
from inbox.engine import Engine, monitoring, ops
from inbox.engine.ops.columns import filter_args
from inbox.engine.ops.monitoring import spec_args
from inbox.engine.sync import sync_account
from inbox.networks import registry
from inbox.networks.replay import Recording, ReplayAdapter, parse_recording

# One file per account, named after its network, so one account can switch to its
# network's real payload shape alone (Capabilities.demo).
RECORDINGS = tuple(f"{name}.json" for name in registry.PACKAGES)
DEMO_SLA = SlaPolicy(first_response_minutes=8 * 60, amber_minutes=60)
TEAMS = ("Support", "Billing", "Community")


@dataclass(frozen=True)
class DemoColumn:
    team: str
    name: str
    filter: ColumnFilter


# The deck opens on the first team with columns (Support), so it gets three.
COLUMNS = (
    DemoColumn("Support", "Support – urgent", ColumnFilter(min_priority=50)),
    DemoColumn("Support", "Direct messages", ColumnFilter(kinds=(Kind.DM,))),
    DemoColumn("Support", "Everything newest", ColumnFilter(sort="newest")),
    DemoColumn(
        "Billing",
        "Billing",
        ColumnFilter(query="refund OR charged OR charge OR invoice OR cobrado OR promo"),
    ),
    DemoColumn("Billing", "Billing DMs", ColumnFilter(kinds=(Kind.DM,), query="refund OR charged")),
    DemoColumn("Community", "Mentions", ColumnFilter(kinds=(Kind.MENTION, Kind.REPLY, Kind.QUOTE))),
    DemoColumn("Community", "Everything newest", ColumnFilter(sort="newest")),
)


# A monitoring column: what people say about the competitor and our hashtag.
COMPETITORS = DemoColumn("Community", "Competitors", ColumnFilter())
COMPETITORS_SEARCH = make_spec("Kettleco, #leafkettle", "giveaway")  # every network


def load_raw(name: str) -> dict[str, Any]:
    """One recording file as JSON."""
    text = assets.read_text(f"demo/{name}")
    data: dict[str, Any] = json.loads(text)
    return data


def recordings(engine: Engine) -> list[Recording]:
    """Every recording, with times shifted so the newest item is just before now."""
    found = []
    for name in RECORDINGS:
        data = load_raw(name)
        shift = engine.clock.now() - from_iso(data["recorded_at"])
        found.append(parse_recording(data, shift))
    return found


async def _seed(engine: Engine) -> Changed:
    store = engine.store
    total = Changed()
    # A small shop answers within the working day: the recordings span two days, so
    # the deck shows breached, nearing and running response times side by side.
    ops.run(
        engine, "teams.set_sla_policy", initiator="engine", team_id=None, policy=DEMO_SLA.to_json()
    )
    for name, recording in zip(RECORDINGS, recordings(engine), strict=True):
        account = store.add_account(recording.account)
        caps = registry.find(recording.account.network)
        if caps is not None and caps.demo is not None:
            # The network's own payloads through its real adapter (e.g. networks/mastodon/demo.py).
            _info, engine.adapters[account.id] = caps.demo(load_raw(name), engine.clock)
        else:
            engine.adapters[account.id] = ReplayAdapter.from_recording(recording)
        total |= await sync_account(engine, account.id)
    # Teams, their columns and a search column: the operations the window's menus run.
    team_ids = {t.name: t.id for t in store.teams.list_teams()}
    for name in TEAMS:
        if name not in team_ids:
            team_ids[name] = ops.run(engine, "teams.add", initiator="engine", name=name).id
    existing = {(c.team_id, c.name) for c in store.columns.all()}
    for column in COLUMNS:
        team_id = team_ids[column.team]
        if (team_id, column.name) not in existing:
            ops.run(
                engine,
                "columns.add",
                initiator="engine",
                name=column.name,
                filter=filter_args(column.filter),
                team_id=team_id,
            )
            total |= Changed(columns=True)
    # Listening beyond our mentions: the competitor and our hashtag, searched on the
    # networks whose recordings serve search (their own payload shapes).
    if (team_ids[COMPETITORS.team], COMPETITORS.name) not in existing:
        added = ops.run(
            engine,
            "columns.add_search",
            initiator="engine",
            name=COMPETITORS.name,
            team_id=team_ids[COMPETITORS.team],
            **spec_args(COMPETITORS_SEARCH),
        )
        await monitoring.fetch_search(engine, added["search_id"])
        total |= Changed(columns=True)
    # A day of work through the user's own operations (members, replies, tickets, posts).
    total |= await features.seed_features(engine)
    return total


def seed(engine: Engine) -> Changed:
    """Fill a profile with the demo workspace (blocking; call from outside the engine).

    Returns:
        What changed: nothing when the profile was already seeded.
    """
    return engine.call(_seed, timeout=300)
