"""Per-network length counting and highlight spans, as the window and CLI reach them:
through networks.registry (each rule lives in networks/<net>/length.py)."""

from __future__ import annotations

import pytest

from inbox.core import text
from inbox.core.text import Count, Span
from inbox.networks import registry, twittertext
from inbox.networks.mastodon import length as mastodon_length
from inbox.networks.x import length as x_length

MASTODON, BLUESKY, X = "mastodon", "bluesky", "x"


def count(network: str, value: str, **options: object) -> Count:
    found = registry.count(network, value, **options)  # type: ignore[arg-type]
    assert found is not None
    return found


def spans(network: str, value: str) -> list[Span]:
    return registry.spans(network, value)


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one grapheme, five code points
THUMBS_TONE = "\U0001f44d\U0001f3fd"
FLAG = "\U0001f1eb\U0001f1f7"


# --- Mastodon -------------------------------------------------------------------


def test_mastodon_plain_text_counts_graphemes() -> None:
    assert count(MASTODON, "héllo").length == 5
    assert count(MASTODON, FAMILY).length == 1
    assert count(MASTODON, "e\u0301").length == 1  # combining accent


def test_mastodon_url_counts_23_whatever_its_length() -> None:
    long = "https://example.com/" + "a" * 200
    assert count(MASTODON, f"see {long}").length == 4 + 23
    assert count(MASTODON, "http://x.co").length == 23


def test_mastodon_scheme_less_domain_counts_in_full() -> None:
    assert count(MASTODON, "example.com").length == len("example.com")


def test_mastodon_remote_mention_counts_only_username() -> None:
    assert count(MASTODON, "@alice@mastodon.example.social hi").length == len("@alice hi")
    assert count(MASTODON, "@bob hi").length == len("@bob hi")


def test_mastodon_email_is_not_a_mention() -> None:
    assert count(MASTODON, "mail me@x.org").length == len("mail me@x.org")


def test_mastodon_spoiler_counts() -> None:
    assert count(MASTODON, "body", spoiler="cw").length == 6


def test_mastodon_limit_is_instance_configurable() -> None:
    assert count(MASTODON, "a" * 500).ok
    assert count(MASTODON, "a" * 501).over
    assert count(MASTODON, "a" * 501, limit=1000).ok
    assert count(MASTODON, "a" * 10, limit=5).remaining == -5


def test_mastodon_url_length_follows_instance() -> None:
    assert mastodon_length.length("https://example.com/abc", url_length=30) == 30


# --- Bluesky --------------------------------------------------------------------


def test_bluesky_counts_graphemes_and_urls_in_full() -> None:
    url = "https://example.com/" + "a" * 20
    assert count(BLUESKY, url).length == len(url)
    assert count(BLUESKY, FAMILY + THUMBS_TONE + FLAG).length == 3


def test_bluesky_limit_300_graphemes() -> None:
    assert count(BLUESKY, "a" * 300).ok
    assert count(BLUESKY, "a" * 301).over
    assert count(BLUESKY, FAMILY * 300).length == 300


def test_bluesky_byte_limit() -> None:
    # 300 family emoji are 300 graphemes but 5400 bytes: over the 3000-byte cap.
    c = count(BLUESKY, FAMILY * 300)
    assert c.bytes_over and c.over and not c.ok


# --- X (twitter-text v3) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "weight"),
    [
        ("Hi http://test.co", 26),  # conformance: WeightedTweetsWithDiscountedEmojiCounterTest
        ("http://test.co", 23),
        ("a" * 285, 285),
        ("日本語", 6),
        ("한국어", 6),
        ("😀", 2),
        (FAMILY, 2),
        (THUMBS_TONE, 2),
        (FLAG, 2),
        ("1\ufe0f\u20e3", 2),  # keycap
        ("“quotes” — dash", 15),
        ("café", 4),
        ("cafe\u0301", 4),  # NFC first: é is one code point
        ("\U00010330", 2),  # astral, not emoji
        ("see example.com now", 4 + 23 + 4),  # scheme-less URL with a valid TLD
        ("ab.cd", 23),  # v3 extracts short ccTLD domains without a path (extract.yml)
        ("ab.de/path", 23),
        # cases other twitter-text ports check against
        ("日本語" * 42 + "日本 https://google.com", 280),
        ("nirantarāndhakāritā", 19),
        ("lavaṅga", 8),
        ("…", 2),
        ("", 0),
    ],
)
def test_x_weighted_length(value: str, weight: int) -> None:
    assert x_length.weighted_length(value) == weight


def test_x_limit_280() -> None:
    assert count(X, "a" * 280).ok
    assert not count(X, "a" * 285).ok
    assert count(X, "日" * 140).ok
    assert count(X, "日" * 141).over
    assert count(X, "").ok is False


def test_x_invalid_characters() -> None:
    assert not count(X, "hi\ufeff").ok


def test_a_network_without_a_rule_counts_nothing() -> None:
    assert registry.count("myspace", "hi") is None


# --- spans ----------------------------------------------------------------------


def _kinds(network: str, value: str) -> list[tuple[str, str]]:
    return [(s.kind, value[s.start : s.end]) for s in spans(network, value)]


def test_spans_mastodon() -> None:
    value = "Hi @alice@remote.example and @bob, see https://ex.com/a #tea!"
    assert _kinds(MASTODON, value) == [
        ("mention", "@alice@remote.example"),
        ("mention", "@bob"),
        ("link", "https://ex.com/a"),
        ("hashtag", "#tea"),
    ]
    first = spans(MASTODON, value)[0]
    assert first.value == "alice@remote.example"


def test_spans_bluesky_handles_are_domains() -> None:
    value = "Héllo @alice.test, see https://example.com/x #help"
    got = spans(BLUESKY, value)
    assert [(s.kind, s.value) for s in got] == [
        ("mention", "alice.test"),
        ("link", "https://example.com/x"),
        ("hashtag", "help"),
    ]


def test_spans_x() -> None:
    value = "@jack look at example.com #news #123 a@b.com"
    assert _kinds(X, value) == [
        ("mention", "@jack"),
        ("link", "example.com"),
        ("hashtag", "#news"),
    ]


def test_link_trailing_punctuation_is_not_part_of_url() -> None:
    assert _kinds(MASTODON, "(see https://a.example.com/x).") == [
        ("link", "https://a.example.com/x")
    ]


def test_hashtag_inside_url_is_not_a_tag() -> None:
    assert _kinds(MASTODON, "https://a.example.com/#frag") == [
        ("link", "https://a.example.com/#frag")
    ]


def test_mention_at_cursor_for_completion() -> None:
    assert text.mention_at("hello @al", 9) == (6, "al")
    assert text.mention_at("mail a@b", 8) is None
    assert text.mention_at("nothing", 7) is None


def test_warm_up_compiles_the_rules_off_the_calling_thread() -> None:
    registry.warm_up(delay=0)
    registry.warm_up(delay=0)  # once per process
    [timer] = registry._warming
    timer.join(timeout=60)
    assert twittertext.library.cache_info().currsize == 1
    assert mastodon_length._url_rule.cache_info().currsize == 1


@pytest.mark.parametrize(
    ("value", "weight"),
    [
        # The old counter's worst undercount: a URL glued to CJK took the CJK with it.
        ("https://example.com/" + "日本語" * 67 + "で", 23 + 2 * 202),
        # Hosts twitter-text does not accept are not URLs: they count as written.
        ("http://" + "a" * 64 + ".com", len("http://" + "a" * 64 + ".com")),  # label > 63
        ("http://foo_bar.com", 18),  # "_" in the domain
        ("http://-foo.com", 15),  # leading "-"
        ("http://foo", 10),  # no TLD
        ("https://t.co/" + "a" * 41, len("https://t.co/") + 41),  # t.co slug > 40
    ],
)
def test_x_regressions_of_the_hand_written_counter(value: str, weight: int) -> None:
    assert x_length.weighted_length(value) == weight
