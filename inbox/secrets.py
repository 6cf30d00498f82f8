"""The OS keyring wrapper: the only place a token or password is read or written.

keyring is imported on first use (it costs ~1 s of imports, entry points included, that
the window's first paint does not need).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from inbox.core.errors import ConfigError

if TYPE_CHECKING:
    import keyring.backend

SERVICE = "social-inbox"


def _keyring() -> Any:
    import keyring
    import keyring.errors

    return keyring


@cache
def _memory_keyring() -> type[keyring.backend.KeyringBackend]:
    import keyring.backend
    import keyring.errors

    class MemoryKeyring(keyring.backend.KeyringBackend):
        """A keyring backend that keeps secrets in memory: tests and the demo profile."""

        priority = 1

        def __init__(self) -> None:
            super().__init__()
            self._items: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self._items.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self._items[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            try:
                del self._items[(service, username)]
            except KeyError:
                raise keyring.errors.PasswordDeleteError(username) from None

    return MemoryKeyring


def __getattr__(name: str) -> Any:
    if name == "MemoryKeyring":  # the class, made on first use
        return _memory_keyring()
    raise AttributeError(name)


def use_memory_backend() -> keyring.backend.KeyringBackend:
    """Switch this process to an in-memory keyring (demo, tests)."""
    backend = _memory_keyring()()
    _keyring().set_keyring(backend)
    return backend


def account_key(profile: str, network: str, instance: str, remote_id: str) -> str:
    """A network account's token in one profile: two profiles on the same account each
    keep theirs, so removing the account from one leaves the other signed in."""
    return f"account:{profile}:{network}:{instance}:{remote_id}"


def legacy_account_key(network: str, instance: str, remote_id: str) -> str:
    """Before profiles kept their own: one entry shared by every profile (read to migrate)."""
    return f"account:{network}:{instance}:{remote_id}"


def app_key(network: str, instance: str) -> str:
    """An OAuth app's client credentials (JSON) for one instance."""
    return f"app:{network}:{instance}"


def connector_key(profile: str, name: str, field: str) -> str:
    """A connector's secret in one profile: two profiles may each have a "desk"."""
    return f"connector:{profile}:{name}:{field}"


def legacy_connector_key(name: str, field: str) -> str:
    """Before profiles kept their own: one entry shared by every profile (read to migrate)."""
    return f"connector:{name}:{field}"


def team_key(dsn: str) -> str:
    """A team server's password, by its DSN without the password (user@host:port/db)."""
    return f"team:{dsn}"


def set_secret(key: str, value: str) -> None:
    """Store a secret and read it back.

    Raises:
        ConfigError: no usable keyring, or one that accepted the secret without keeping
            it (the "null" and "fail" backends of a machine with no keyring service).
    """
    keyring = _keyring()
    try:
        keyring.set_password(SERVICE, key, value)
        kept = keyring.get_password(SERVICE, key)
    except keyring.errors.KeyringError as exc:
        raise ConfigError(_no_keyring(exc, "Not saved")) from exc
    if kept != value:
        name = type(keyring.get_keyring()).__module__
        raise ConfigError(
            _no_keyring(f"the keyring backend {name} did not keep the secret", "Not saved")
        )


def get_secret(key: str) -> str | None:
    keyring = _keyring()
    try:
        return keyring.get_password(SERVICE, key)
    except keyring.errors.KeyringError as exc:
        raise ConfigError(_no_keyring(exc, "The saved sign-in cannot be read")) from exc


def delete_secret(key: str) -> None:
    """Remove a secret; a missing one is not an error."""
    keyring = _keyring()
    try:
        keyring.delete_password(SERVICE, key)
    except keyring.errors.PasswordDeleteError:
        return
    except keyring.errors.KeyringError as exc:
        raise ConfigError(_no_keyring(exc, "Not removed from the keyring")) from exc


def _no_keyring(exc: object, outcome: str) -> str:
    return (
        f"{outcome}: no usable system keyring. Social Inbox keeps tokens and passwords only "
        "in the OS keyring (GNOME Keyring, KWallet, macOS Keychain, Windows Credential "
        "Locker). On Linux install and unlock one (e.g. `apt install gnome-keyring`, or "
        "`pip install keyrings.alt` for a file-based one), or set PYTHON_KEYRING_BACKEND. "
        f"({exc})"
    )
