"""Personal data out of text: handles, names, profile links, e-mail addresses, phone numbers.

Pure code, so the article editor can show exactly what was removed and put it
back when the user turns redaction off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import regex

# @bob, @bob@fosstodon.org, @bob.bsky.social
_HANDLE = re.compile(
    r"(?<![\w@/])@[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)?"
)
# RFC 6531 addresses: a local part and domain labels in any script (letters, their marks,
# digits), e.g. josé@exämple.de, почта@пример.рф, 用户@例子.广告, संपर्क@डाटामेल.भारत.
_EMAIL = regex.compile(
    r"(?<![\p{L}\p{M}\p{N}._%+\-])"
    r"[\p{L}\p{M}\p{N}._%+\-!#$&'*/=?^`{|}~]+"
    r"@[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}\-]*[\p{L}\p{M}\p{N}])?"
    r"(?:\.[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}\-]*[\p{L}\p{M}\p{N}])?)+"
)
# Regions whose national formats (no +country code) are looked for; numbers written
# with a + are found in every country. Extend as the team's customers need.
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "JP", "BR", "AU", "RU", "CN")
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

    def sub(pattern: Any, placeholder: str, value: str) -> str:
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
        text = _whole_word(re.compile(rf"@?{re.escape(bare)}", re.IGNORECASE), text, removed)
        # A first name alone ("Thanks Alice") is personal too.
        first = bare.split()[0] if " " in bare else ""
        if len(first) >= 3:
            text = _whole_word(re.compile(re.escape(first)), text, removed)

    text = _phone_numbers(text, removed)

    def phone(match: re.Match[str]) -> str:
        found = match.group(0)
        digits = sum(c.isdigit() for c in found)
        if digits < 9 or _DATE.fullmatch(found):  # dates and order numbers are not phones
            return found
        removed.append(found)
        return PHONE

    text = _PHONE.sub(phone, text)
    return Redacted(text, tuple(removed))


# A character that continues a word of a spaced script. Chinese and Japanese write a name
# straight into the sentence ("Yuiさん", "佐藤様"), so their characters end a name; a
# CJK name itself is taken wherever it stands. Compiled once: a class like this takes
# ~30 ms to compile, so the per-name patterns do without it.
_GOES_ON = re.compile(
    r"[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af]"
)
_CJK = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af]"
)


def _whole_word(pattern: re.Pattern[str], text: str, removed: list[str]) -> str:
    """pattern's matches that stand as whole words -> NAME (each noted in removed)."""

    def replace(match: re.Match[str]) -> str:
        found, start, end = match.group(0), match.start(), match.end()
        if not _CJK.search(found) and (
            (start and _GOES_ON.match(text[start - 1]))
            or (end < len(text) and _GOES_ON.match(text[end]))
        ):
            return found
        removed.append(found)
        return NAME

    return pattern.sub(replace, text)


# Where a phone number could be: digits (any script) with the separators people type.
_PHONE_CANDIDATE = regex.compile(
    r"[+\uff0b]?[(\uff08]?\d[\d\s().\-/\u2013\u2014\uff0d\uff08\uff09]{4,}\d"
)


def _phone_numbers(text: str, removed: list[str]) -> str:
    """Phone numbers in international and several national formats, by Google's
    libphonenumber (the `phonenumbers` port): any script's digits, any separators.

    Only runs of digits are handed to its matcher (it is slow on prose), and it is
    imported here, not at start-up: its metadata takes ~100-200 ms to load.
    """
    candidates = [m for m in _PHONE_CANDIDATE.finditer(text) if _digits(m.group(0)) >= 6]
    if not candidates:
        return text
    import phonenumbers

    spans: dict[tuple[int, int], str] = {}
    for candidate in candidates:
        piece, offset = candidate.group(0), candidate.start()
        for region in (None, *PHONE_REGIONS):  # the first region that reads it wins
            found = list(
                phonenumbers.PhoneNumberMatcher(piece, region, leniency=phonenumbers.Leniency.VALID)
            )
            for match in found:
                spans.setdefault((offset + match.start, offset + match.end), match.raw_string)
            if found:
                break
    out: list[str] = []
    last = 0
    for (start, end), raw in sorted(spans.items()):
        if start < last:  # overlaps a number already taken
            continue
        out.append(text[last:start])
        out.append(PHONE)
        removed.append(raw)
        last = end
    out.append(text[last:])
    return "".join(out)


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)
