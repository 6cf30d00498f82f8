"""Personal data out of text: handles, names, profile links, e-mail addresses, phone numbers.

Pure code, so the article editor can show exactly what was removed and put it
back when the user turns redaction off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# @bob, @bob@fosstodon.org, @bob.bsky.social
_HANDLE = re.compile(
    r"(?<![\w@/])@[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)?"
)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+\b")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d ()\-.]{7,}\d(?!\w)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?")
# Links that name a person: Mastodon /@user, Bluesky /profile/…, X / Twitter /user.
_PROFILE_URL = re.compile(
    r"https?://(?:"
    r"[^\s/]+/@[^\s/]+(?:/\S*)?"
    r"|bsky\.app/profile/\S+"
    r"|(?:www\.)?(?:x|twitter)\.com/\S+"
    r")"
)

HANDLE = "[handle]"
NAME = "[name]"
LINK = "[link]"
EMAIL = "[email]"
PHONE = "[phone]"


@dataclass(frozen=True)
class Redacted:
    """The cleaned text and every piece taken out, in order of appearance."""

    text: str
    removed: tuple[str, ...]


def redact(text: str, names: Iterable[str] = (), links: Iterable[str] = ()) -> Redacted:
    """Remove personal data from text.

    Args:
        text: what to clean.
        names: display names and handles known from the conversation (contacts, our staff).
        links: profile links known from the conversation.

    Returns:
        Redacted: the text with placeholders, and what was removed.
    """
    removed: list[str] = []

    def sub(pattern: re.Pattern[str], placeholder: str, value: str) -> str:
        def replace(match: re.Match[str]) -> str:
            removed.append(match.group(0))
            return placeholder

        return pattern.sub(replace, value)

    for link in sorted({u for u in links if u}, key=len, reverse=True):
        text = sub(re.compile(re.escape(link)), LINK, text)
    text = sub(_PROFILE_URL, LINK, text)
    # Handles first: a fediverse handle (@bob@host) also looks like an e-mail address.
    text = sub(_HANDLE, HANDLE, text)
    text = sub(_EMAIL, EMAIL, text)
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        bare = name.lstrip("@")
        text = sub(re.compile(rf"(?<!\w)@?{re.escape(bare)}(?!\w)", re.IGNORECASE), NAME, text)
        # A first name alone ("Thanks Alice") is personal too.
        first = bare.split()[0] if " " in bare else ""
        if len(first) >= 3:
            text = sub(re.compile(rf"(?<!\w){re.escape(first)}(?!\w)"), NAME, text)

    def phone(match: re.Match[str]) -> str:
        found = match.group(0)
        digits = sum(c.isdigit() for c in found)
        if digits < 9 or _DATE.fullmatch(found):  # dates and order numbers are not phones
            return found
        removed.append(found)
        return PHONE

    text = _PHONE.sub(phone, text)
    return Redacted(text, tuple(removed))
