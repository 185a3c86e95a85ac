"""What the rules found in one comment, turned into reasons with spans and words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from moderation.domain.events import Reason, Span
from moderation.domain.labels import ReasonCode
from moderation.text.matcher import Hit
from moderation.text.normalise import CanonicalBatch

# A reason needs enough spans to show the moderator where; thousands only cost time.
MAX_SPANS_PER_REASON = 50


@dataclass
class Finding:
    """One rule's finding: hits are collected cheaply and made into spans once."""

    code: ReasonCode
    rule: str | None
    subject: str | None
    sentence: str
    hits: list[Hit] = field(default_factory=list)


class Findings:
    """The findings of one comment, one per (code, rule), in the order found."""

    def __init__(self, batch: CanonicalBatch, body: str) -> None:
        self.batch = batch
        self.body = body
        self.by_rule: dict[tuple[ReasonCode, str | None], Finding] = {}

    def add(
        self,
        code: ReasonCode,
        rule: str | None,
        subject: str | None,
        sentence: str,
        hits: Iterable[Hit],
    ) -> None:
        finding = self.by_rule.get((code, rule))
        if finding is None:
            finding = self.by_rule[(code, rule)] = Finding(code, rule, subject, sentence)
        elif finding.subject is None and subject is not None:
            finding.subject, finding.sentence = subject, sentence
        if len(finding.hits) < 4 * MAX_SPANS_PER_REASON:
            finding.hits.extend(hits)

    def enough(self, code: ReasonCode) -> bool:
        """Whether this code has found so much that more cues could add nothing a moderator
        needs (the comment is held; its spans are capped): a crafted comment stops here."""
        hits = sum(len(f.hits) for key, f in self.by_rule.items() if key[0] == code)
        return hits >= 2 * MAX_SPANS_PER_REASON

    def reasons(self) -> list[Reason]:
        """One reason per code: the first rule's subject, every rule's sentence."""
        by_code: dict[ReasonCode, list[Finding]] = {}
        for finding in self.by_rule.values():
            by_code.setdefault(finding.code, []).append(finding)
        reasons = []
        for code, findings in by_code.items():
            first = findings[0]
            sentences = list(dict.fromkeys(f.sentence for f in findings))
            reasons.append(
                Reason(
                    code=code,
                    spans=self._spans([h for f in findings for h in f.hits]),
                    rule=first.rule,
                    subject=next((f.subject for f in findings if f.subject), None),
                    sentence="; ".join(sentences[:3]),
                )
            )
        return reasons

    def _spans(self, hits: list[Hit]) -> list[Span]:
        """Spans in body order, longest first at each start, none inside another, capped."""
        located = [
            (*self.batch.original_span(h.comment, h.start, h.end), h.term.text, h.term.category)
            for h in hits
        ]
        located.sort(key=lambda s: (s[0], -s[1]))
        spans: list[Span] = []
        reach = -1
        for start, end, term, category in located:
            if end <= reach:
                continue  # inside a span already kept ("guilty" inside "obviously guilty")
            reach = end
            text = self.body[start:end]
            spans.append(Span(start=start, end=end, text=text, term=term, category=category))
            if len(spans) == MAX_SPANS_PER_REASON:
                break
        return spans
