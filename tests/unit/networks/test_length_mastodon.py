"""Mastodon's length rule, from the cases of its own specs.

spec/validators/status_length_validator_spec.rb (limit 500) and the link cases of
spec/lib/text_formatter_spec.rb: a URL the formatter links is the URL the validator
counts as 23 (both use Extractor.extract_urls_with_indices with Mastodon's regex).
"""

from __future__ import annotations

import pytest

from inbox.core import text
from inbox.networks.mastodon import length


def _over(value: str, spoiler: str = "") -> bool:
    return length.count(value, spoiler=spoiler, limit=500).over


# -- status_length_validator_spec.rb ----------------------------------------------------

STARTING = "a" * 476
EXAMPLE_LINK = f"http://{'b' * 30}.com/example"


def test_content_warning_over_the_limit() -> None:
    assert _over("", spoiler="a" * 520)


def test_text_over_the_limit() -> None:
    assert _over("a" * 520)


def test_text_and_content_warning_together_over_the_limit() -> None:
    assert _over("b" * 251, spoiler="a" * 250)


def test_auto_linkable_space_separated_url_counts_23() -> None:
    assert not _over(f"{STARTING} {EXAMPLE_LINK}")
    assert length.count(f"{STARTING} {EXAMPLE_LINK}").length == 476 + 1 + 23


def test_non_autolinkable_url_counts_in_full() -> None:
    assert _over(STARTING + EXAMPLE_LINK)  # glued to a word: not a link


def test_overly_long_url_counts_in_full() -> None:
    assert _over(f"http://example.com/valid?{'#foo?' * 1000}")


def test_remote_username_counts_only_its_front() -> None:
    assert not _over("a" * 475 + f" @alice@{'b' * 30}.com")


def test_remote_username_with_overly_long_domain_counts_whole() -> None:
    assert _over(f"@alice@{'b' * 500}.com")


def test_multi_byte_emoji_counts_one() -> None:
    assert not _over("✨" * 500)


def test_zwj_sequence_emoji_counts_one() -> None:
    assert not _over("🏳️‍⚧️" * 500)


# -- text_formatter_spec.rb: which part of the text is the URL ---------------------------

HACKERNOON = (
    "https://hackernoon.com/"
    "the-power-to-build-communities-a-response-to-mark-zuckerberg-3f2cac9148a4"
)
MCMANSION = (
    "http://www.mcmansionhell.com/post/156408871451/50-states-of-mcmansion-hell-scottsdale-arizona"
)
LINKED = [
    (HACKERNOON, HACKERNOON),
    ("http://google.com", "http://google.com"),
    ("http://example.gay", "http://example.gay"),
    ("https://nic.みんな/", "https://nic.みんな/"),
    (MCMANSION + ". ", MCMANSION),
    ("(http://google.com/)", "http://google.com/"),
    ("http://www.google.com!", "http://www.google.com"),
    ("http://www.google.com'", "http://www.google.com"),
    ("http://www.google.com>", "http://www.google.com"),
    (
        "https://www.ruby-toolbox.com/search?utf8=%E2%9C%93&q=autolink",
        "https://www.ruby-toolbox.com/search?utf8=%E2%9C%93&q=autolink",
    ),
    (
        "https://www.ruby-toolbox.com/search?utf8=✓&q=autolink",
        "https://www.ruby-toolbox.com/search?utf8=✓&q=autolink",
    ),
    ("https://www.ruby-toolbox.com/search?utf8=✓", "https://www.ruby-toolbox.com/search?utf8=✓"),
    (
        "https://en.wikipedia.org/wiki/Diaspora_(software)",
        "https://en.wikipedia.org/wiki/Diaspora_(software)",
    ),
    ('"https://example.com/"', "https://example.com/"),
    ("<https://example.com/>", "https://example.com/"),
    ("https://ja.wikipedia.org/wiki/日本", "https://ja.wikipedia.org/wiki/日本"),
    ("https://ko.wikipedia.org/wiki/대한민국", "https://ko.wikipedia.org/wiki/대한민국"),
    ("https://example.com/　abc123", "https://example.com/"),
    ("「[https://example.org/」", "https://example.org/"),
    ("https://baike.baidu.com/item/中华人民共和国", "https://baike.baidu.com/item/中华人民共和国"),
    ("https://zh.wikipedia.org/wiki/臺灣", "https://zh.wikipedia.org/wiki/臺灣"),
    ("http://example.com/b<del>b</del>", "http://example.com/b"),
    (
        'http://example.com/blahblahblahblah/a<script>alert("Hello")</script>',
        "http://example.com/blahblahblahblah/a",
    ),
]


@pytest.mark.parametrize(("value", "url"), LINKED)
def test_formatter_links_exactly_this_url(value: str, url: str) -> None:
    assert [s.value for s in length.links(value)] == [url]
    assert length.count(value).length == text.graphemes(value.replace(url, "x" * 23, 1))


@pytest.mark.parametrize(
    "value",
    [
        "http://www\\.google\\.com",  # "an invalid URL": raw text
        "text",
        "example.com",  # no scheme: Mastodon does not link it, so it counts in full
        "xmpp:user@instance.com",  # linked by the formatter, but not a counted URL
    ],
)
def test_no_counted_url(value: str) -> None:
    assert length.links(value) == []
    assert length.count(value).length >= text.graphemes(value) - len("@instance.com")


def test_other_schemes_mastodon_accepts() -> None:
    for scheme in ("gemini", "gopher", "ipfs", "dat"):
        value = f"see {scheme}://example.com/some/long/path/here/to/shorten ok"
        assert length.count(value).length == len("see ") + 23 + len(" ok")
    # ftp is not among them: the host after "ftp://" is a scheme-less URL, not counted.
    assert length.count("ftp://example.com/a/b").length == len("ftp://example.com/a/b")


def test_url_then_cjk_does_not_swallow_the_rest() -> None:
    value = "https://example.com/日本語のテキスト"
    # Mastodon's path characters include CJK: the whole thing is one URL here.
    assert length.count(value).length == 23
    # ...but a full-width space ends it.
    assert length.count("https://example.com/　日本語").length == 23 + 1 + 3


def test_mention_and_url_overlap_keeps_the_first() -> None:
    value = "https://example.com/@alice@example.org"
    assert length.count(value).length == 23


def test_blank_text_counts_only_spoiler() -> None:
    assert length.count("   ", spoiler="cw").length == 2
