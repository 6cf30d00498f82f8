"""Deck bench: costs of a column on a big profile (page, next page, change, search, paint).

Queries run on the reader thread in the window; painting runs on the GUI thread.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.bench.ui_deck [conversations]
"""

from __future__ import annotations

import functools
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication

from inbox.core.events import Changed
from inbox.core.models import AccountInfo, ColumnFilter, Contact, Kind, Message
from inbox.engine import Engine
from inbox.store import Store
from inbox.ui.column_model import ColumnModel
from inbox.ui.column_view import ColumnView
from inbox.ui.deck import search_filter
from inbox.ui.reader import SyncReader

# Sample vocabulary for generated messages.
WORDS = re.findall(
    r"\w+",
    "order refund parcel late jasmine matcha shop checkout cart broken thanks love "
    "delivery address invoice discount code sale restock tea green black oolong",
)


def _ingest(engine: Engine, chunk: list[Message]) -> Changed:
    return engine.store.ingest.messages(1, chunk, engine.decide)


def build(path: Path, conversations: int) -> None:
    engine = Engine(path)
    engine.start()
    rnd = random.Random(7)
    now = engine.clock.now()
    try:
        info = AccountInfo("mastodon", "social.test", "1", "teashop", "The Tea Shop")
        engine.call(lambda e: e.store.add_account(info))
        batch: list[Message] = []
        for n in range(conversations * 3):
            conv = n % conversations
            batch.append(
                Message(
                    remote_id=f"m{n}",
                    conversation_key=f"c{conv}",
                    kind=Kind.DM if conv % 5 == 0 else Kind.MENTION,
                    author=Contact("mastodon", f"u{conv}", f"user{conv}", f"User {conv}"),
                    text=" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(6, 40)))
                    + ("?" if rnd.random() < 0.3 else ""),
                    created_at=now - timedelta(minutes=rnd.randint(0, 60 * 24 * 60)),
                )
            )
        for start in range(0, len(batch), 5000):
            chunk = batch[start : start + 5000]
            engine.call(functools.partial(_ingest, chunk=chunk))
    finally:
        engine.stop()


def timed(fn: Callable[[], object], repeat: int = 20) -> str:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return f"median {statistics.median(samples):6.2f} ms  max {max(samples):6.2f} ms"


def main(conversations: int = 20_000) -> None:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "inbox.db"
        start = time.perf_counter()
        build(db, conversations)
        print(
            f"built {conversations} conversations, {conversations * 3} messages "
            f"in {time.perf_counter() - start:.1f} s"
        )
        store = Store(db, readonly=True)
        # The window runs these on the reader thread; here they run inline to be timed.
        reads = SyncReader(store)
        flt = ColumnFilter()
        print("first page (50 rows), priority   ", timed(lambda: ColumnModel(reads, flt)))
        newest = ColumnFilter(sort="newest")
        print("first page (50 rows), newest     ", timed(lambda: ColumnModel(reads, newest)))
        dms = ColumnFilter(kinds=(Kind.DM,), min_priority=30)
        print("first page, DMs priority>=30     ", timed(lambda: ColumnModel(reads, dms)))
        model = ColumnModel(reads, flt)
        print("fetchMore (page 2..21)           ", timed(model.fetchMore))
        ids = frozenset(random.Random(1).sample(range(1, conversations + 1), 100))
        model = ColumnModel(reads, flt)
        print("on_changed, 100 ids              ", timed(lambda: model.on_changed(Changed(ids))))
        one = frozenset({model.summary(3).id})  # type: ignore[union-attr]
        print("on_changed, 1 shown id           ", timed(lambda: model.on_changed(Changed(one))))
        for text in ("r", "ref", "refund parcel", "zzz"):
            print(
                f"search {text!r:16}        ",
                timed(functools.partial(ColumnModel, reads, search_filter(text))),
            )
        view = ColumnView(ColumnModel(reads, flt), "Bench", lambda: store.clock.now())
        view.resize(360, 1000)
        view.show()
        pixmap = QPixmap(view.size())
        print("paint a full column (~9 rows)    ", timed(lambda: view.render(pixmap)))
        store.close()
    app.quit()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
