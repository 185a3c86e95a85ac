"""The legal-risk checker: term lists, article context and rule packs over a batch."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from moderation.domain.events import ArticleContext, CommentSubmitted, Reason, Span
from moderation.domain.labels import ReasonCode
from moderation.text.matcher import Hit, Term, TermSet, token_index
from moderation.text.normalise import CanonicalBatch, normalise_batch
from moderation.legal.packs import CuePack, contempt_pack, defamation_pack
from moderation.legal.people import name_variants, names_in_comment
from moderation.legal.site_terms import SiteTermLists

Item = tuple[CommentSubmitted, ArticleContext | None]
EXTRA_TERM_CODES = {"banned": ReasonCode.BANNED_TERM}  # any other category: SUSPECT_TERM


@dataclass(frozen=True)
class ArticleTerms:
    protected: TermSet
    defendants: TermSet
    named_people: TermSet
    extra: TermSet

    @classmethod
    def build(cls, article: ArticleContext) -> ArticleTerms:
        def people(names: list[str], category: str, given: bool) -> TermSet:
            variants = [(v, name) for name in names for v in name_variants(name, given=given)]
            # "J a n e D o e" joins into one token: match the name written as one word too.
            variants += [(v.replace(" ", ""), name) for v, name in variants if " " in v]
            return TermSet(Term(variant, category, tag=name) for variant, name in variants)

        defendants = [d for p in article.active_proceedings for d in p.defendants]
        return cls(
            protected=people(article.protected_names, "protected_name", given=True),
            defendants=people(defendants, "defendant", given=False),
            named_people=people(article.named_people, "person", given=False),
            extra=TermSet(
                Term(
                    t.term,
                    t.category,
                    tag=EXTRA_TERM_CODES.get(t.category, ReasonCode.SUSPECT_TERM),
                )
                for t in article.extra_terms
            ),
        )


class LegalRiskChecker:
    """Implements the classifier's RiskChecker seam for a whole batch at once."""

    def __init__(
        self,
        site_terms: SiteTermLists,
        budget_ms_per_comment: float = 20.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.site_terms = site_terms
        self.budget_ms_per_comment = budget_ms_per_comment
        self._clock = clock
        self._contempt = contempt_pack()
        self._defamation = defamation_pack()
        self._articles: OrderedDict[tuple[str, object], ArticleTerms] = OrderedDict()

    def check_batch(self, items: Sequence[Item]) -> list[list[Reason]]:
        if not items:
            return []
        started = self._clock()
        bodies = [comment.body for comment, _ in items]
        batch = normalise_batch(bodies)
        found: list[list[Reason]] = [[] for _ in items]

        cue_hits = {
            pack.name: _without_exceptions(pack.cues.find(batch), pack.exceptions.find(batch))
            for pack in (self._contempt, self._defamation)
        }
        for site_id in {comment.site_id for comment, _ in items}:
            rules = self.site_terms.for_site(site_id)
            for hit in rules.terms.find(batch):
                if items[hit.comment][0].site_id == site_id:
                    _add(found[hit.comment], hit.term.tag, [_span(batch, bodies, hit)])
            for index, (comment, article) in enumerate(items):
                if comment.site_id == site_id:
                    self._check_one(
                        index, batch, bodies, article, rules.packs, cue_hits, found[index]
                    )

        budget_s = self.budget_ms_per_comment * len(items) / 1000
        if self._clock() - started > budget_s:
            for reasons in found:
                reasons.append(
                    Reason(
                        code=ReasonCode.SCORER_ERROR, label="legal check exceeded its time budget"
                    )
                )
        return found

    def _check_one(
        self,
        index: int,
        batch: CanonicalBatch,
        bodies: list[str],
        article: ArticleContext | None,
        packs: frozenset[str],
        cue_hits: dict[str, list[Hit]],
        reasons: list[Reason],
    ) -> None:
        terms = self._article_terms(article) if article is not None else None
        if terms is not None:
            for hit in terms.extra.find(batch, index):
                _add(reasons, hit.term.tag, [_span(batch, bodies, hit)])
            if "anonymity" in packs:
                spans = [_span(batch, bodies, h) for h in terms.protected.find(batch, index)]
                _add(reasons, ReasonCode.LEGAL_ANONYMITY, spans)
        mine = {name: [h for h in hits if h.comment == index] for name, hits in cue_hits.items()}

        if (
            "contempt" in packs
            and article is not None
            and terms is not None
            and any(p.defendants for p in article.active_proceedings)
            and mine["contempt"]
        ):
            subjects = [
                *terms.defendants.find(batch, index),
                *self._contempt.pronouns.find(batch, index),
            ]
            _add(
                reasons,
                self._contempt.code,
                _near(self._contempt, batch, bodies, mine["contempt"], subjects),
            )

        if "defamation" in packs and mine["defamation"]:
            people = self._comment_people(batch, bodies, index)
            if terms is not None:
                people.extend(terms.named_people.find(batch, index))
            _add(
                reasons,
                self._defamation.code,
                _near(self._defamation, batch, bodies, mine["defamation"], people),
            )

    def _comment_people(self, batch: CanonicalBatch, bodies: list[str], index: int) -> list[Hit]:
        """Names the comment gives, as hits on the canonical text (for proximity)."""
        base = int(batch.original_starts[index])
        people = []
        for start, end, text in names_in_comment(bodies[index]):
            first = int(np.searchsorted(batch.origin, base + start))
            last = int(np.searchsorted(batch.origin, base + end - 1))
            people.append(Hit(index, first, last + 1, Term(text, "person", tag=text)))
        return people

    def _article_terms(self, article: ArticleContext) -> ArticleTerms:
        key = (article.article_id, article.updated_at)
        terms = self._articles.get(key)
        if terms is None:
            terms = self._articles[key] = ArticleTerms.build(article)
            while len(self._articles) > 4096:
                self._articles.popitem(last=False)
        else:
            self._articles.move_to_end(key)
        return terms


def _without_exceptions(hits: list[Hit], exceptions: list[Hit]) -> list[Hit]:
    return [
        h
        for h in hits
        if not any(
            e.comment == h.comment and e.start <= h.start and h.end <= e.end for e in exceptions
        )
    ]


def _near(
    pack: CuePack, batch: CanonicalBatch, bodies: list[str], cues: list[Hit], subjects: list[Hit]
) -> list[Span]:
    """Spans of every cue near a subject (and of that subject), or that names its own."""
    spans: list[Span] = []
    subject_tokens = [(token_index(batch, s.start), s) for s in subjects]
    for cue in cues:
        if cue.term.tag:  # "lock him up" carries its own subject
            spans.append(_span(batch, bodies, cue))
            continue
        cue_token = token_index(batch, cue.start)
        cue_len = cue.term.canonical.text.count(" ") + 1
        close = [
            s
            for token, s in subject_tokens
            if s.start != cue.start
            and -pack.window <= token - cue_token <= pack.window + cue_len - 1
        ]
        if close:
            spans.append(_span(batch, bodies, cue))
            spans.extend(_span(batch, bodies, s) for s in close if s.term.category != "pronoun")
    return spans


def _span(batch: CanonicalBatch, bodies: list[str], hit: Hit) -> Span:
    start, end = batch.original_span(hit.comment, hit.start, hit.end)
    return Span(
        start=start,
        end=end,
        text=bodies[hit.comment][start:end],
        term=hit.term.text,
        category=hit.term.category,
    )


def _add(reasons: list[Reason], code: ReasonCode, spans: list[Span]) -> None:
    """One reason per code, its spans in body order without repeats."""
    if not spans:
        return
    for reason in reasons:
        if reason.code == code:
            spans = [*reason.spans, *spans]
            reasons.remove(reason)
            break
    # Longest first at each start, then drop spans inside one already kept
    # ("guilty" inside "obviously guilty").
    ordered = sorted(spans, key=lambda s: (s.start, -s.end))
    kept: list[Span] = []
    for span in ordered:
        if not any(k.start <= span.start and span.end <= k.end for k in kept):
            kept.append(span)
    reasons.append(Reason(code=code, spans=kept))
