"""The network registry: capabilities by name, stubs until a package exists, one call to add."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inbox.core.errors import NotSupported
from inbox.networks import registry


def test_mastodon_declares_what_the_app_used_to_hard_code() -> None:
    caps = registry.capabilities("mastodon")
    assert caps.label == "Mastodon"
    assert caps.limits_per_instance and caps.server_scheduling and caps.content_warning
    assert "direct" in caps.visibilities
    assert caps.idempotency_window == timedelta(minutes=55)
    assert registry.option_defaults("mastodon") == {"window_days": 7.0, "window_items": 800.0}
    assert caps.sign_in is not None and caps.demo is not None
    assert registry.adapter_factory("mastodon") is not None


def test_networks_without_a_package_are_stubs_with_labels_and_length_rules() -> None:
    for name, label, limit in (("bluesky", "Bluesky", 300), ("x", "X", 280)):
        caps = registry.capabilities(name)
        assert caps.label == label and caps.max_chars == limit
        count = registry.count(name, "hello")
        assert count is not None and count.limit == limit and count.remaining == limit - 5
    names = [c.name for c in registry.known()]
    assert names[:3] == ["mastodon", "bluesky", "x"]


def test_an_unknown_network_is_refused_in_words_and_labelled_as_written() -> None:
    with pytest.raises(NotSupported, match="does not know the network 'myspace'"):
        registry.capabilities("myspace")
    assert registry.label("replay") == "Replay"
    assert registry.count("myspace", "hi") is None
    assert registry.colour("myspace") == "#868e96"
