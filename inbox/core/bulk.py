"""Bulk schedule files: CSV import with a per-row preview, CSV and iCalendar export.

The import reads the common bulk-composer layout: date/time, message, optional
link, optional image (URL or file), in that order without a header, or by
header names (date, message/text, link/url, image/media, account, alt text).
Every row is checked before anything is queued; the caller imports all rows or
none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from inbox.core.errors import ConfigError
from inbox.core.posts import Counter, Post, PostMedia, Target, problems
from inbox.core.schedule import local_to_utc

_HEADERS = {
    "date": "when",
    "time": "when",
    "datetime": "when",
    "date and time": "when",
    "date/time": "when",
    "posting time": "when",
    "scheduled at": "when",
    "message": "message",
    "text": "message",
    "post": "message",
    "link": "link",
    "url": "link",
    "image": "image",
    "image url": "image",
    "media": "image",
    "file": "image",
    "account": "account",
    "accounts": "account",
    "alt": "alt",
    "alt text": "alt",
}
_POSITIONAL = ("when", "message", "link", "image")
_FORMATS = {
    "dmy": ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d.%m.%Y %H:%M"),
    "mdy": ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S"),
}
_ISO = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True, slots=True)
class Row:
    """One parsed row and everything wrong with it; line is the file's line number."""

    line: int
    when_text: str
    message: str
    link: str = ""
    image: str = ""
    alt: str = ""
    accounts: tuple[str, ...] = ()
    scheduled_at: datetime | None = None
    account_ids: tuple[int, ...] = ()
    problems: tuple[str, ...] = field(default=())

    def post(self, zone_name: str) -> Post:
        return Post(
            text=self.message,
            account_ids=self.account_ids,
            scheduled_at=self.scheduled_at,
            zone=zone_name,
            link=self.link,
            media=(PostMedia(self.image, self.alt),) if self.image else (),
        )


def parse_when(text: str, zone_name: str, date_order: str = "dmy") -> datetime | None:
    """A bulk-file date and time as UTC, read in zone_name; None when unreadable."""
    value = text.strip()
    if not value:
        return None
    try:
        aware = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if aware.tzinfo is not None:
            return aware.astimezone(UTC)
    except ValueError:
        pass
    for fmt in (*_ISO, *_FORMATS.get(date_order, _FORMATS["dmy"])):
        try:
            return local_to_utc(datetime.strptime(value, fmt), zone_name)
        except ValueError:
            continue
    return None


def _target(ref: str, by_handle: dict[str, Target], by_id: dict[int, Target]) -> Target | None:
    """An account named by id, full handle, or handle without its instance when only one fits."""
    if ref.isdigit() and int(ref) in by_id:
        return by_id[int(ref)]
    wanted = ref.lstrip("@").lower()
    if wanted in by_handle:
        return by_handle[wanted]
    short = [t for h, t in by_handle.items() if h.split("@")[0] == wanted]
    return short[0] if len(short) == 1 else None


def preview(
    data: str,
    *,
    accounts: Sequence[Target],
    default_accounts: Sequence[int],
    zone_name: str,
    now: datetime,
    date_order: str = "dmy",
    require_alt: bool = True,
    counter: Counter | None = None,
) -> list[Row]:
    """Parse a bulk CSV and list every row's problems; nothing is stored.

    Args:
        accounts: every account the rows may name (matched by handle, with or without "@").
        default_accounts: used for rows without an account column.
        now: rows at or before now are "in the past".
    """
    by_handle = {t.handle.lstrip("@").lower(): t for t in accounts}
    by_id = {t.account_id: t for t in accounts}
    reader = csv.reader(io.StringIO(data.lstrip("\ufeff"), newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        problem = f"Not a readable CSV file (line {reader.line_num}): {exc}."
        return [Row(line=reader.line_num, when_text="", message="", problems=(problem,))]
    if not rows:
        return []
    columns = _columns(rows[0])
    body = rows[1:] if columns is not None else rows
    start_line = 2 if columns is not None else 1
    columns = columns or dict(enumerate(_POSITIONAL))
    result: list[Row] = []
    for line, cells in enumerate(body, start_line):
        if not any(c.strip() for c in cells):
            continue
        fields: dict[str, str] = {}
        for index, name in columns.items():
            if index < len(cells):
                fields[name] = _restore(cells[index].strip())
        found: list[str] = []
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
            found.append("More cells than columns (an unquoted comma?).")
        when_text = fields.get("when", "")
        when = parse_when(when_text, zone_name, date_order)
        if when is None:
            found.append(f"Bad date {when_text!r}." if when_text else "No date.")
        elif when <= now:
            found.append(f"{when_text} is in the past.")
        handles = tuple(h.strip() for h in fields.get("account", "").split() if h.strip())
        ids: list[int] = []
        for handle in handles:
            target = _target(handle, by_handle, by_id)
            if target is None:
                found.append(f"No account {handle}.")
            else:
                ids.append(target.account_id)
        if not handles:
            ids = list(default_accounts)
            if not ids:
                found.append("No account: choose one or add an account column.")
        row = Row(
            line=line,
            when_text=when_text,
            message=fields.get("message", ""),
            link=fields.get("link", ""),
            image=fields.get("image", ""),
            alt=fields.get("alt", ""),
            accounts=handles,
            scheduled_at=when,
            account_ids=tuple(ids),
        )
        targets = [by_id[i] for i in ids if i in by_id]
        if targets:
            found.extend(
                problems(row.post(zone_name), targets, require_alt=require_alt, counter=counter)
            )
        result.append(replace(row, problems=tuple(found)))
    return result


def _columns(header: Sequence[str]) -> dict[int, str] | None:
    """Column index -> field when the first row is a header, else None."""
    names = [h.strip().lower() for h in header]
    if not any(n in _HEADERS for n in names):
        return None
    return {i: _HEADERS[n] for i, n in enumerate(names) if n in _HEADERS}


# -- export ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One post on one account, as the calendar and the exports show it."""

    post_id: int
    account_id: int
    account: str
    network: str
    state: str
    at: datetime
    text: str
    zone: str = "UTC"
    link: str = ""
    url: str = ""  # the published post


EXPORT_HEADER = ("date", "message", "link", "account", "state", "zone", "post_id", "url")


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# injection"): =, +, -, @, and tab / carriage return / line feed in front of them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(cell: str) -> str:
    """OWASP's advice: a cell that would start a formula gets a leading single quote
    (shown by spreadsheets as text, not run). `preview` takes it off again on import."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def safe_cell(value: Any) -> Any:
    """A report cell for CSV: None as empty, numbers (and text that is a plain number,
    such as "-3.5") as they are, any other text neutralised."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    try:
        float(value)
    except ValueError:
        return neutralise(value)
    return value


def _restore(cell: str) -> str:
    """Undo neutralise() on import, so an exported schedule re-imports the user's text."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


def to_csv(entries: Iterable[Entry]) -> str:
    """The schedule as CSV; the first four columns re-import as a bulk file. Text cells
    that a spreadsheet would run as a formula are neutralised (see neutralise)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_HEADER)
    for e in entries:
        at = e.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        cells = [e.text, e.link, e.account, e.state, e.zone]
        writer.writerow([at, *(neutralise(c) for c in cells), e.post_id, neutralise(e.url)])
    return out.getvalue()


def decode(data: bytes, name: str = "the file") -> tuple[str, str]:
    """(text, encoding) of a CSV file saved by any spreadsheet: UTF-8 (with or without
    BOM), UTF-16 (Excel's "Unicode text"), or a legacy code page (Latin-1, cp1252, …)
    guessed by charset-normalizer (imported only here: ~130 ms).

    Raises:
        ConfigError: the encoding cannot be told; the message says what to save as.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decoded(data, "utf-16", name), "UTF-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return _decoded(data, "utf-8-sig", name), "UTF-8"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    results = from_bytes(data)
    best = results.best()
    if best is not None:
        # Short files often tie between code pages (é è à read equally well as cp1250);
        # a tie goes to cp1252, what Western spreadsheets save as "CSV".
        for match in results:
            if match.encoding == "cp1252" and (match.chaos, -match.coherence) <= (
                best.chaos,
                -best.coherence,
            ):
                best = match
                break
    if best is None:
        raise ConfigError(
            f"Cannot tell the text encoding of {name}. Save it from your spreadsheet as "
            '"CSV UTF-8 (comma delimited)" and import that file.'
        )
    return str(best), best.encoding


def _decoded(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{name} says it is {encoding.upper()} but is not ({exc.reason} at byte "
            f'{exc.start}). Save it as "CSV UTF-8 (comma delimited)" and import that file.'
        ) from None


def _ics_escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 5545 line folding at 75 octets, never inside a UTF-8 sequence."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def to_ics(
    entries: Iterable[Entry], *, stamp: datetime, domain: str = "social-inbox.invalid"
) -> str:
    """The schedule as an iCalendar file: one event per post and account, at UTC."""

    def utc(dt: datetime) -> str:
        return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Social Inbox//Schedule//EN",
        "CALSCALE:GREGORIAN",
    ]
    for e in entries:
        summary = f"{e.account}: {e.text.splitlines()[0] if e.text else ''}"[:120]
        description = e.text + (f"\n{e.link}" if e.link else "")
        lines += [
            "BEGIN:VEVENT",
            f"UID:post-{e.post_id}-{e.account_id}@{domain}",
            f"DTSTAMP:{utc(stamp)}",
            f"DTSTART:{utc(e.at)}",
            "DURATION:PT15M",
            f"SUMMARY:{_ics_escape(summary)}",
            f"DESCRIPTION:{_ics_escape(description)}",
            f"CATEGORIES:{_ics_escape(e.network)}",
            f"X-SOCIAL-INBOX-STATE:{_ics_escape(e.state)}",
        ]
        if e.url:
            lines.append(f"URL:{e.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def summary(rows: Sequence[Row]) -> Mapping[str, int]:
    """Counts for the preview's status line."""
    bad = sum(1 for r in rows if r.problems)
    return {"rows": len(rows), "ok": len(rows) - bad, "with_problems": bad}
