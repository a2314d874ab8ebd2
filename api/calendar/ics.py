"""A small RFC 5545 writer: VCALENDAR of VEVENTs in UTC, all-day events as dates.

Written by hand (no dependency at run time, and fast for big feeds); the tests parse its
output with the `icalendar` library. Lines are folded at 75 octets and text is escaped.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from notifications.deadline import Deadline


def escape(text: str) -> str:
    if not any(c in text for c in "\\;,\r\n"):
        return text
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets without cutting a UTF-8 character."""
    if len(line) <= 18:  # at most 4 octets per character: cannot exceed 75
        return line
    data = line.encode()
    if len(data) <= 75:
        return line
    parts: list[str] = []
    limit = 75
    while data:
        cut = min(limit, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
        limit = 74  # continuation lines start with a space
    return "\r\n ".join(parts)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(deadlines: Iterable[tuple[Deadline, str, date]], name: str, stamp: datetime,
             base_url: str, tz: str) -> str:
    """`deadlines` yields (deadline, title, local date of the deadline)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Relais//Calendrier//FR", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}", f"X-WR-TIMEZONE:{tz}",
             "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H"]
    dtstamp = _utc(stamp)
    for deadline, title, local_day in deadlines:
        lines += ["BEGIN:VEVENT",
                  f"UID:{deadline.kind}-{deadline.object_type}-{deadline.object_id}@relais",
                  f"DTSTAMP:{dtstamp}"]
        if deadline.all_day:
            lines += [f"DTSTART;VALUE=DATE:{local_day:%Y%m%d}",
                      f"DTEND;VALUE=DATE:{local_day + timedelta(days=1):%Y%m%d}",
                      "TRANSP:TRANSPARENT"]
        else:
            lines += [f"DTSTART:{_utc(deadline.due_at)}",
                      f"DTEND:{_utc(deadline.due_at + timedelta(minutes=30))}"]
        url = base_url.rstrip("/") + deadline.path
        lines += [f"SUMMARY:{escape(title)}", f"URL:{url}", f"DESCRIPTION:{escape(url)}",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
