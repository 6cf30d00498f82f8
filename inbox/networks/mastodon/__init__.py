"""Mastodon: api (calls, error translation), mapping (JSON -> models), adapter, oauth, streaming."""

from inbox.networks.base import register
from inbox.networks.mastodon.adapter import MastodonAdapter, create

register("mastodon", create)

__all__ = ["MastodonAdapter", "create"]
