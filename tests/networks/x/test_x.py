"""The X adapter against the fake API: sign-in, token rotation, sync, limits, sends."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from inbox.core.errors import AuthExpired, ConfigError, NetworkError, RateLimited
from inbox.core.models import AccountInfo, Direction, Kind, Media
from inbox.networks.base import DMS, MENTIONS, Outgoing
from inbox.networks.x import oauth
from inbox.networks.x.adapter import XAdapter
from inbox.networks.x.api import Tokens
from tests.networks.x.fake import (
    ACCESS,
    CLIENT_ID,
    HOST,
    ME,
    REFRESH,
    RESET_AT,
    FakeX,
    bundle,
    load,
)

ME_INFO = AccountInfo("x", HOST, ME, "LeafKettleTea", "Leaf & Kettle Tea Co.")


class Saved:
    """save_token: what reached the keyring, in order; can fail like a locked keyring."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.fail_next = 0
        self.pass_first = 0  # saves let through before fail_next starts refusing

    def __call__(self, value: str) -> None:
        if self.pass_first:
            self.pass_first -= 1
        elif self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("keyring is locked")
        json.loads(value)  # always one whole bundle
        self.values.append(value)


@pytest.fixture
def fake() -> FakeX:
    return FakeX()


@pytest.fixture
def saved() -> Saved:
    return Saved()


@pytest.fixture
def make(fake, clock, saved):
    def build(token: str | None = None, **options) -> XAdapter:
        options.setdefault("poll_interval", 0)
        return XAdapter(
            ME_INFO,
            token or bundle(),
            http=fake.client(),
            clock=clock,
            save_token=saved,
            sleep=_no_sleep,
            **options,
        )

    return build


async def _no_sleep(_seconds: float) -> None:
    return None


async def _drain(adapter: XAdapter, stream: str, cursor: str | None):
    items, rejected = [], []
    while True:
        page = await adapter.fetch(stream, cursor)
        items += page.items
        rejected += page.rejected
        cursor = page.next_cursor
        if not page.more:
            return items, rejected, cursor


# -- sign-in ----------------------------------------------------------------------------


async def test_oauth_pkce_through_a_real_loopback_redirect(fake) -> None:
    seen: dict[str, str] = {}

    def browser(url: str) -> bool:
        """The user's browser: X's consent page approves, then redirects to our server."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        seen.update(query, url=url)
        code = fake.approve(query["code_challenge"], query["redirect_uri"])
        target = f"{query['redirect_uri']}?state={query['state']}&code={code}"
        threading.Thread(target=lambda: urllib.request.urlopen(target).read(), daemon=True).start()
        return True

    async with fake.client() as http:
        tokens = await oauth.sign_in(http, CLIENT_ID, browser, port=0, instance=HOST)
    assert seen["url"].startswith("https://x.com/i/oauth2/authorize?")
    assert (
        seen["scope"]
        == "tweet.read users.read tweet.write dm.read dm.write offline.access media.write"
        " mute.write tweet.moderate.write"
    )
    assert seen["code_challenge_method"] == "S256"
    assert seen["redirect_uri"].startswith("http://127.0.0.1:")
    assert tokens.access_token in fake.access_tokens and tokens.refresh_token in fake.refresh_tokens
    assert tokens.expires_at is not None and tokens.client_id == CLIENT_ID
    [exchange] = fake.to("/2/oauth2/token")
    form = parse_qs(exchange.content.decode())
    assert form["grant_type"] == ["authorization_code"] and form["client_id"] == [CLIENT_ID]
    assert "Authorization" not in exchange.headers  # a public client has no secret


async def test_sign_in_account_with_a_token_bundle(fake) -> None:
    class Apps:
        def load(self, instance):
            return None

        def save(self, app):
            raise AssertionError

    async with fake.client() as http:
        info, token = await oauth.sign_in_account(
            http, HOST, lambda u: False, apps=Apps(), token=bundle()
        )
    assert (info.remote_id, info.handle, info.network) == (ME, "LeafKettleTea", "x")
    assert Tokens.loads(token).refresh_token == REFRESH


# -- tokens -------------------------------------------------------------------------


async def test_expiring_access_token_is_refreshed_first_and_saved_before_use(
    make, fake, saved, clock
):
    soon = int((clock.now() + timedelta(minutes=2)).timestamp())
    adapter = make(bundle(expires_at=soon))
    await adapter.verify()
    probe, stored = saved.values  # the keyring took a write before the token was spent
    assert Tokens.loads(probe).refresh_token == REFRESH
    new = Tokens.loads(stored)
    assert new.access_token != ACCESS and new.refresh_token != REFRESH
    assert REFRESH not in fake.refresh_tokens  # spent: rotated
    me = fake.to("/2/users/me")[0]
    assert me.headers["Authorization"] == f"Bearer {new.access_token}"


async def test_401_refreshes_once_and_retries(make, fake, saved):
    fake.access_tokens.clear()  # X revoked the access token early
    adapter = make()
    info = await adapter.verify()
    assert info.handle == "LeafKettleTea"
    assert len(fake.to("/2/oauth2/token")) == 1
    assert Tokens.loads(saved.values[-1]).refresh_token in fake.refresh_tokens


async def test_concurrent_401s_spend_the_refresh_token_once(make, fake, saved):
    fake.access_tokens.clear()
    adapter = make()
    await asyncio.gather(adapter.verify(), adapter.verify(), adapter.verify())
    assert len(fake.to("/2/oauth2/token")) == 1  # a second refresh would lock the user out


async def test_crash_between_refresh_and_save_does_not_lock_the_user_out(
    make, fake, saved, memory_keyring
):
    """The keyring refuses the rotated pair (locked, or the app is killed mid-save):
    the pair stays in memory and in use, is saved on the next call or on close, and
    the keyring never holds half a bundle or a spent refresh token next to a new one."""
    fake.access_tokens.clear()
    saved.pass_first = 1  # the keyring takes the write just before the refresh, then locks:
    saved.fail_next = 2  # the save after the refresh, and the retry before the next request
    adapter = make()
    await adapter.verify()  # refreshed; both saves failed
    assert [Tokens.loads(v).refresh_token for v in saved.values] == [REFRESH]
    assert len(fake.refresh_tokens) == 1
    await adapter.verify()  # uses the new pair, and saves it now
    stored = saved.values[-1]
    assert Tokens.loads(stored).refresh_token in fake.refresh_tokens
    assert len(fake.to("/2/oauth2/token")) == 1
    # A restart from what the keyring holds works without a new sign-in.
    again = make(stored)
    assert (await again.verify()).handle == "LeafKettleTea"


async def test_save_retried_on_close(make, fake, saved):
    fake.access_tokens.clear()
    saved.pass_first = 1
    saved.fail_next = 2
    adapter = make()
    await adapter.verify()
    assert len(saved.values) == 1
    await adapter.aclose()
    assert len(saved.values) == 2
    assert Tokens.loads(saved.values[-1]).refresh_token in fake.refresh_tokens


async def test_a_keyring_that_refuses_writes_keeps_the_refresh_token_unspent(make, fake, saved):
    fake.access_tokens.clear()
    saved.fail_next = 99  # locked for good
    adapter = make()
    with pytest.raises(ConfigError, match="unlock the keyring"):
        await adapter.verify()
    assert fake.to("/2/oauth2/token") == [] and REFRESH in fake.refresh_tokens


async def test_a_spent_refresh_token_means_sign_in_again(make, fake):
    fake.access_tokens.clear()
    fake.refresh_tokens.clear()
    with pytest.raises(AuthExpired, match="sign-in"):
        await make().verify()


# -- mentions -----------------------------------------------------------------------


async def test_first_then_incremental_mention_sync(make, fake):
    adapter = make()
    items, rejected, cursor = await _drain(adapter, MENTIONS, None)
    assert rejected == []
    assert [m.remote_id for m in items] == [  # each page in time order
        "1860000000000000103",
        "1860000000000000105",
        "1860000000000000101",
    ]
    first, second = fake.to(f"/2/users/{ME}/mentions")
    assert "pagination_token" not in first.url.params
    assert second.url.params["pagination_token"] == "7140dibdnow9c7btw3z2vwioavpvutgzrzm9icis4ndkd"
    assert "author_id" in first.url.params["expansions"]
    assert "conversation_id" in first.url.params["tweet.fields"]
    assert json.loads(cursor)["since"] == "1860000000000000105"
    # The thread: the first post and the follow-up share the conversation id.
    sam = [m for m in items if m.author.handle == "samortega"]
    assert {m.conversation_key for m in sam} == {"1860000000000000101"}
    assert sam[0].in_reply_to == "1860000000000000104"
    mei = next(m for m in items if m.author.handle == "mei_drinks_tea")
    assert mei.author.followers_count == 48210
    assert mei.media == (
        Media(
            "image",
            "https://pbs.twimg.com/media/GsEnChA1.jpg",
            "https://pbs.twimg.com/media/GsEnChA1.jpg",
            "A cup of green tea next to a tin of sencha",
        ),
    )
    assert mei.url == "https://x.com/mei_drinks_tea/status/1860000000000000103"
    assert all(m.direction == Direction.IN for m in items)
    kinds = {m.remote_id: m.kind for m in items}
    assert kinds["1860000000000000105"] == Kind.REPLY  # answers our post
    assert kinds["1860000000000000103"] == Kind.MENTION

    fake.new_mentions = True
    new, _, cursor2 = await _drain(adapter, MENTIONS, cursor)
    assert [m.remote_id for m in new] == ["1860000000000000110"]
    assert new[0].conversation_key == "1860000000000000101"
    assert fake.to(f"/2/users/{ME}/mentions")[-1].url.params["since_id"] == "1860000000000000105"
    assert json.loads(cursor2)["since"] == "1860000000000000110"

    fake.new_mentions = False
    none, _, cursor3 = await _drain(adapter, MENTIONS, cursor2)
    assert none == [] and json.loads(cursor3)["since"] == "1860000000000000110"


async def test_a_server_repeating_the_same_page_ends_the_sync(make, fake):
    """A hostile or broken server answers every pagination_token with the same page and the
    same token: the sync stops after it instead of running until its deadline."""
    page = load("mentions_page1.json")
    token = page["meta"]["next_token"]
    fake.fail(lambda r: r.url.params.get("pagination_token") == token, 200, page, times=1000)
    items, _, cursor = await _drain(make(), MENTIONS, None)
    assert len(fake.to(f"/2/users/{ME}/mentions")) == 2  # the first page, its one repeat
    assert {m.remote_id for m in items} == {t["id"] for t in page["data"]}
    assert json.loads(cursor)["since"] == page["meta"]["newest_id"]


async def test_polling_is_frugal(make, fake):
    adapter = make(poll_interval=900)
    _, _, cursor = await _drain(adapter, MENTIONS, None)
    calls = len(fake.to(f"/2/users/{ME}/mentions"))
    await adapter.fetch(MENTIONS, cursor)  # again at once: no call spent
    assert len(fake.to(f"/2/users/{ME}/mentions")) == calls


async def test_a_failure_mid_run_refetches_rather_than_skips(make, fake):
    adapter = make()
    page = await adapter.fetch(MENTIONS, None)
    assert page.more
    fake.fail(
        lambda r: "pagination_token" in r.url.params, 503, {"title": "Service Unavailable"}, times=5
    )
    with pytest.raises(NetworkError):
        await adapter.fetch(MENTIONS, page.next_cursor)
    state = json.loads(page.next_cursor)
    assert state["since"] is None and state["next"]  # the stored cursor still points at page 2


# -- DMs ----------------------------------------------------------------------------


async def test_dm_sync_groups_by_conversation_and_stops_at_what_it_has(make, fake):
    adapter = make()
    items, _, cursor = await _drain(adapter, DMS, None)
    assert [m.remote_id for m in items] == [
        "1860000000000000702",
        "1860000000000000704",
        "1860000000000000705",
        "1860000000000000701",
    ]
    keys = {m.remote_id: m.conversation_key for m in items}
    assert (
        keys["1860000000000000705"]
        == keys["1860000000000000704"]
        == "dm:1580000000000000001-2200000000000000002"
    )
    assert keys["1860000000000000701"] == "dm:1580000000000000001-2200000000000000004"
    ours = next(m for m in items if m.remote_id == "1860000000000000704")
    assert ours.direction == Direction.OUT and ours.kind == Kind.DM
    first = fake.to("/2/dm_events")[0]
    assert "participant_ids" in first.url.params["expansions"]
    assert "dm_conversation_id" in first.url.params["dm_event.fields"]
    assert json.loads(cursor)["seen"] == "1860000000000000705"
    again, _, _ = await _drain(adapter, DMS, cursor)
    assert again == []  # everything on the first page is known: no second page
    assert len(fake.to("/2/dm_events")) == 3


# -- limits and tiers ---------------------------------------------------------------


async def test_429_waits_for_the_reset(make, fake, clock):
    reset = int(clock.now().timestamp()) + 600
    fake.fail(
        lambda r: r.url.path.endswith("/mentions"),
        429,
        load("problem_too_many.json"),
        {
            "x-rate-limit-limit": "10",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
    )
    adapter = make()
    with pytest.raises(RateLimited) as caught:
        await adapter.fetch(MENTIONS, None)
    assert caught.value.retry_after == pytest.approx(600, abs=1)
    # The budget the headers gave is respected locally: no call until the reset.
    with pytest.raises(RateLimited):
        await adapter.fetch(MENTIONS, None)
    assert len(fake.to(f"/2/users/{ME}/mentions")) == 1
    clock.advance(seconds=601)
    page = await adapter.fetch(MENTIONS, None)
    assert page.items


async def test_remaining_budget_is_shown(make, fake, clock):
    adapter = make()
    await adapter.fetch(MENTIONS, None)
    reset = datetime.fromtimestamp(RESET_AT, UTC)
    assert adapter.status_text() == f"mentions: 8 of 10 calls left, resets {reset:%H:%M} UTC"


async def test_403_for_a_tier_without_dms_switches_the_feed_off_once(make, fake):
    fake.fail(
        lambda r: r.url.path == "/2/dm_events", 403, load("problem_client_forbidden.json"), times=99
    )
    adapter = make()
    page = await adapter.fetch(DMS, None)
    assert page.items == () and not page.more
    assert (
        "Pro tier" in adapter.status_text()
        and "Appropriate Level of API Access" in adapter.status_text()
    )
    later = make()
    again = await later.fetch(DMS, page.next_cursor)
    assert again.items == () and "Pro tier" in later.status_text()
    assert len(fake.to("/2/dm_events")) == 1  # no error loop
    assert (await later.fetch(MENTIONS, None)).items  # mentions still work


# -- sending ------------------------------------------------------------------------


async def _mention(adapter: XAdapter):
    items, _, _ = await _drain(adapter, MENTIONS, None)
    return next(m for m in items if m.remote_id == "1860000000000000105")


async def test_reply_in_thread(make, fake):
    adapter = make()
    target = await _mention(adapter)
    sent = await adapter.send(Outgoing("We're on it, Sam!", "reply-1", in_reply_to=target))
    [post] = fake.to("/2/tweets")
    assert json.loads(post.content) == {
        "text": "We're on it, Sam!",
        "reply": {"in_reply_to_tweet_id": "1860000000000000105"},
    }
    assert sent.remote_id == fake.posts[0]["id"]
    assert sent.url == f"https://x.com/LeafKettleTea/status/{sent.remote_id}"


async def test_lost_answer_is_looked_up_never_sent_twice(make, fake):
    adapter = make()
    target = await _mention(adapter)
    fake.lose_next_answers = 1
    outgoing = Outgoing("Tracking number coming up", "reply-7", in_reply_to=target)
    with pytest.raises(NetworkError):
        await adapter.send(outgoing)
    assert len(fake.posts) == 1  # it did go out
    sent = await adapter.send(outgoing)  # the outbox's retry
    assert len(fake.posts) == 1 and sent.remote_id == fake.posts[0]["id"]
    assert len(fake.to(f"/2/users/{ME}/tweets")) == 1


async def test_retry_after_a_restart_looks_first_too(make, fake):
    adapter = make()
    target = await _mention(adapter)
    fake.lose_next_answers = 1
    with pytest.raises(NetworkError):
        await adapter.send(Outgoing("Same text", "reply-8", in_reply_to=target))
    fresh = make()  # the app restarted; the outbox says this is attempt 2
    retry = Outgoing("Same text", "reply-8", in_reply_to=target, extra={"attempt": "2"})
    await fresh.send(retry)
    assert len(fake.posts) == 1
    # A different reply target with the same text is a new post.
    other = Outgoing("Same text", "reply-9", extra={"attempt": "2"})
    await fresh.send(other)
    assert len(fake.posts) == 2


async def test_dm_reply_goes_into_the_same_conversation_once(make, fake):
    adapter = make()
    items, _, _ = await _drain(adapter, DMS, None)
    target = next(m for m in items if m.remote_id == "1860000000000000705")
    fake.lose_next_answers = 1
    outgoing = Outgoing("Thanks, looking at 5521 now", "dm-1", in_reply_to=target)
    with pytest.raises(NetworkError):
        await adapter.send(outgoing)
    sent = await adapter.send(outgoing)
    [dm] = fake.dms
    assert dm["dm_conversation_id"] == "1580000000000000001-2200000000000000002"
    assert sent.remote_id == dm["id"]
    assert len(fake.to("/2/dm_conversations/1580000000000000001-2200000000000000002/messages")) == 1


async def test_post_with_media_and_alt_text(make, fake, tmp_path):
    image = tmp_path / "tea.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    adapter = make()
    await adapter.send(
        Outgoing(
            "New harvest is in",
            "post-1",
            media=(Media("image", str(image), description="Fresh tea leaves in a basket"),),
            media_files=(str(image),),
        )
    )
    [upload] = fake.to("/2/media/upload")
    assert b'name="media_category"' in upload.content and b"tweet_image" in upload.content
    [(media_id, media)] = fake.media.items()
    assert media["alt_text"] == "Fresh tea leaves in a basket"
    assert fake.posts[0]["attachments"] == {"media_keys": [media_id]}
