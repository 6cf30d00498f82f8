"""The profile on a real small disk (a tmpfs mounted by the test; needs root, as here and
in CI's container): disk full, read-only media, and who may read the files."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox.engine import Engine, accounts
from inbox.engine.sync import sync_account
from inbox.store import Store
from tests.cli_run import run
from tests.networks.mastodon.fake import TOKEN, FakeMastodon
from tests.servers.loopback import serve


def _mount(point: Path, options: str) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], check=True)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs; `fill(disk)` leaves it nearly full, `remount(disk, ...)` changes it."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the test container and CI run as root)")
    point = tmp_path / "disk"
    point.mkdir()
    _mount(point, "size=4m")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def remount(point: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(point)], check=True)


def fill(point: Path, leave: int = 8192) -> Path:
    """Take all but `leave` bytes of the disk."""
    filler = point / "filler"
    free = os.statvfs(point).f_bavail * os.statvfs(point).f_frsize
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return filler


def _prepare(profile: Path, url: str) -> None:
    profile.mkdir()
    store = Store(profile / "inbox.db")
    store.set_setting("sync.backfill_days", 36500)  # the recordings are from March 2026
    store.close()
    assert run(profile, "accounts", "add", "mastodon", "--instance", url, "--token-stdin",
               stdin=TOKEN + "\n") == 0  # fmt: skip


def test_disk_full_during_sync_says_so_and_the_next_sync_stores_everything(disk, capsys):
    fake = FakeMastodon()
    profile = disk / "profile"
    with serve(fake.handle) as url:
        _prepare(profile, url)
        filler = fill(disk)
        capsys.readouterr()
        assert run(profile, "sync", "--once") in (1, 2)
        err = capsys.readouterr().err
        assert "disk is full" in err.lower()
        assert "FOREIGN KEY" not in err and "Traceback" not in err
        filler.unlink()
        assert run(profile, "sync", "--once") == 0
    store = Store(profile / "inbox.db")
    try:
        assert store.query("SELECT count(*) FROM messages")[0][0] > 0
        orphans = store.query(
            "SELECT count(*) FROM messages m LEFT JOIN contacts c ON c.id = m.author_id "
            "WHERE m.author_id IS NOT NULL AND c.id IS NULL"
        )[0][0]
        assert orphans == 0
    finally:
        store.close()


def test_after_a_rolled_back_batch_messages_keep_their_own_contacts(disk):
    """The window's engine retries in the same process: ingest's contact cache must not
    hand out ids from the rolled-back transaction (another author's id, or none)."""
    fake = FakeMastodon()
    profile = disk / "profile"
    with serve(fake.handle) as url:
        _prepare(profile, url)
        engine = Engine(profile / "inbox.db")
        engine.start()
        try:
            engine.call(lambda e: accounts.connect_all(e))
            [account_id] = engine.call(lambda e: list(e.adapters))
            filler = fill(disk, leave=64 * 1024)  # room for some rows, not the whole batch
            with contextlib.suppress(Exception):
                engine.call(lambda e: sync_account(e, account_id))
            filler.unlink()
            # Another author takes the id a rolled-back contact had, before the retry.
            engine.call(lambda e: e.store.conn.execute(
                "INSERT INTO contacts (network, remote_id, handle) VALUES ('x', 'x1', 'imposter')"
            ))  # fmt: skip
            engine.call(lambda e: sync_account(e, account_id))
            rows = engine.call(lambda e: e.store.query(
                "SELECT c.handle, m.author_handle FROM messages m JOIN contacts c"
                " ON c.id = m.author_id"
            ))  # fmt: skip
        finally:
            engine.stop()
    assert rows
    assert all(handle == author for handle, author in rows), [tuple(r) for r in rows]


def test_a_half_seeded_demo_is_finished_by_seeding_again(disk, tmp_path, capsys):
    assert run(tmp_path / "reference", "demo") == 0  # the same demo on a roomy disk
    reference = capsys.readouterr().out.split(": ", 1)[1]
    remount(disk, "size=800k")
    profile = disk / "demo"
    assert run(profile, "demo") == 2
    assert "The disk is full" in capsys.readouterr().err
    remount(disk, "size=64m")
    assert run(profile, "demo") == 0
    assert capsys.readouterr().out.split(": ", 1)[1] == reference  # accounts, conversations…


def test_profile_files_are_private_and_old_ones_are_tightened(tmp_path, capsys):
    profile = tmp_path / "new"
    assert run(profile, "schedule", "list") == 0
    assert stat.S_IMODE(profile.stat().st_mode) == 0o700
    for file in profile.glob("inbox.db*"):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    profile.chmod(0o755)
    (profile / "inbox.db").chmod(0o644)
    assert run(profile, "schedule", "list") == 0
    assert stat.S_IMODE(profile.stat().st_mode) == 0o700
    assert stat.S_IMODE((profile / "inbox.db").stat().st_mode) == 0o600


def test_a_read_only_profile_still_lists(disk, capsys):
    profile = disk / "profile"
    assert run(profile, "post", "--text-stdin", "--account", "nobody", stdin="x") == 2
    assert run(profile, "schedule", "list", "--json") == 0
    remount(disk, "ro")
    capsys.readouterr()
    assert run(profile, "schedule", "list", "--json") == 0
    assert capsys.readouterr().out.strip() == "[]"
    assert run(profile, "post", "--text-stdin", "--account", "nobody", stdin="x") == 2
    assert "cannot be written" in capsys.readouterr().err
