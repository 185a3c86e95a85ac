"""Cut a comment body into plain and highlighted segments from its reasons' spans.

The template escapes every segment; nothing from a comment is ever rendered as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moderation.domain.labels import ReasonCode
from moderation.queue.wording import REASON_WORDS, reason_words


@dataclass(frozen=True)
class Segment:
    text: str
    mark: bool = False
    title: str = ""


def segments(body: str, reasons: list[dict[str, Any]]) -> list[Segment]:
    spans = sorted(
        (max(0, s["start"]), min(len(body), s["end"]), _title(r, s))
        for r in reasons
        for s in r.get("spans", [])
        if 0 <= s.get("start", -1) < s.get("end", -1)
    )
    merged: list[list[Any]] = []
    for start, end, title in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            if title not in merged[-1][2]:
                merged[-1][2] += f"; {title}"
        else:
            merged.append([start, end, title])
    out: list[Segment] = []
    cursor = 0
    for start, end, title in merged:
        if start > cursor:
            out.append(Segment(body[cursor:start]))
        out.append(Segment(body[start:end], True, title))
        cursor = end
    if cursor < len(body):
        out.append(Segment(body[cursor:]))
    return out


def _title(reason: dict[str, Any], span: dict[str, Any]) -> str:
    """What a highlight says on hover: the reason in words and, without a sentence, the
    kind of term matched."""
    if reason.get("sentence"):
        return reason_words({**reason, "spans": []})
    words = REASON_WORDS.get(ReasonCode(reason["code"]), reason["code"])
    return f"{words}: {span['category']}" if span.get("category") else words
