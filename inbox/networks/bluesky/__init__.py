"""Bluesky (AT Protocol): xrpc (calls, session, errors), identity (sign-in, PDS discovery),
mapping (JSON -> models), richtext (facets), records (rkeys, images), adapter.

Plain httpx, not the `atproto` SDK: importing the SDK takes seconds (pydantic models
of every lexicon), and the adapter needs a dozen endpoints.
"""

from inbox.networks.base import register
from inbox.networks.bluesky.adapter import BlueskyAdapter, create

register("bluesky", create)

__all__ = ["BlueskyAdapter", "create"]
