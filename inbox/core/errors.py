"""Every error the app can show, as one tree.

InboxError
    NetworkError        offline, timeout, 5xx: retry later
        RateLimited     carries retry_after (seconds)
    AuthExpired         ask the user to sign in again
    RemoteRejected      the API said no: show why
    NotSupported        the network or connector cannot do it
    BadPayload          a remote item we could not parse: quarantined
    ConfigError         a broken setting, profile or input file
    NotAllowed          role or state forbids the action (approve, edit a sent post)
    StoreError
        StoreKnown      disk full, locked, newer schema: the user can fix it
            ServerUnreachable   a team server that does not answer (or dropped the connection)
        StoreBug        our fault: please report

httpx exceptions and status codes become these where the call is made;
sqlite errors become StoreError inside store/. The UI only sees InboxError.
"""

from __future__ import annotations


class InboxError(Exception):
    """Base of every error shown to the user; str() is the user-facing message."""


class NetworkError(InboxError):
    """Transient transport failure: offline, timeout, dropped connection, 5xx."""


class Unreachable(NetworkError):
    """The request never left: no connection was made (offline, refused, unknown host).

    The network cannot have acted on it. Raised where the call is made (networks/,
    connectors/), so the engine never looks at transport exceptions.
    """


class RateLimited(NetworkError):
    """The remote asked us to wait."""

    MAX_WAIT = 24 * 3600.0  # a server's reset "next century" is asked again tomorrow

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        wait = retry_after if retry_after == retry_after else self.MAX_WAIT  # nan
        self.retry_after = min(max(0.0, wait), self.MAX_WAIT)


class AuthExpired(InboxError):
    """The token was revoked or expired: the account needs sign-in."""


class RemoteRejected(InboxError):
    """The remote understood and refused; the message is the remote's reason."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotSupported(InboxError):
    """The network or connector has no such feature."""


class BadPayload(InboxError):
    """A remote item could not be parsed; it is quarantined, never fatal."""

    def __init__(self, message: str, raw: object = None) -> None:
        super().__init__(message)
        self.raw = raw


class ConfigError(InboxError):
    """A setting, profile, command-line argument or input file is wrong."""


class StoreError(InboxError):
    """The local store failed."""


class StoreKnown(StoreError):
    """A store failure the user can fix: disk full, locked, newer schema."""


class ServerUnreachable(StoreKnown):
    """The team's database server cannot be reached, or the connection to it dropped:
    a team profile then works offline on its replica (engine/offline.py)."""


class StoreBug(StoreError):
    """A store failure that is our fault."""


class NotAllowed(InboxError):
    """The member's role or the item's state does not allow this action."""


class NotFound(InboxError, KeyError):
    """What was asked for does not exist (any more): a conversation, column, member, post.

    Also a KeyError, so code written against the store's old bare KeyErrors keeps working.
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "Not found."


class Conflict(InboxError):
    """The change collides with the current state (a duplicate name, a stale edit)."""


class AnsweredMeanwhile(Conflict):
    """The collision guard: someone else answered the conversation since the member saw
    it. The window asks before sending; the CLI refuses unless --force."""


def user_words(exc: BaseException) -> str:
    """The one sentence a person sees for exc, in the window and on the command line.

    Our errors already speak to the user; anything else is a bug, said plainly
    (its details go to the log, not to the person).
    """
    if isinstance(exc, InboxError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, KeyError):
        return "That item no longer exists; it may have been removed meanwhile."
    return f"Something went wrong inside Social Inbox ({type(exc).__name__}); see the log."
