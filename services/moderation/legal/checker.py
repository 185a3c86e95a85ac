"""The legal-risk checker: term lists, article context and rule packs over a batch.

Every legal reason says which rule it applies, about whom, and why in one sentence
("asserts the guilt of defendant Owen Farrant while the case is active (murder trial at
Leeds Crown Court; Contempt of Court Act 1981)").
Work is linear in the length of the comments (see proximity.py and the per-comment match
limit in comment.py), and a comment whose check overruns its time budget is held with
SCORER_ERROR on its own, never its neighbours.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from moderation.domain.events import ArticleContext, CommentSubmitted, Reason
from moderation.domain.labels import ReasonCode
from moderation.legal.comment import MAX_HITS_PER_COMMENT, CommentView, JoinedView, Lawful
from moderation.legal.findings import Findings
from moderation.legal.packs import contempt_pack, defamation_pack, threat_pack
from moderation.legal.people import Subject, person_terms
from moderation.legal.proximity import Nearby, Tokens, without_contained
from moderation.legal.site_terms import SiteTermLists
from moderation.legal.wording import anonymity_sentence, proceedings_words, term_sentence
from moderation.text.matcher import Hit, Term, TermSet
from moderation.text.normalise import CanonicalBatch, normalise_batch

Item = tuple[CommentSubmitted, ArticleContext | None]
EXTRA_TERM_CODES = {"banned": ReasonCode.BANNED_TERM}  # any other category: SUSPECT_TERM


@dataclass(frozen=True)
class ArticleTerms:
    """An article's people as term sets, built once per version of its context."""

    protected: TermSet
    defendants: TermSet
    witnesses: TermSet
    named_people: TermSet
    extra: TermSet
    defendant_names: tuple[str, ...]
    people_names: tuple[str, ...]
    proceedings: str

    @classmethod
    def build(cls, article: ArticleContext) -> ArticleTerms:
        defendants = [d for p in article.active_proceedings for d in p.defendants]
        witnesses = [w for p in article.active_proceedings for w in p.witnesses]
        return cls(
            protected=TermSet(person_terms(article.protected_names, "protected", given=True)),
            defendants=TermSet(person_terms(defendants, "defendant", given=True)),
            witnesses=TermSet(person_terms(witnesses, "witness", given=False)),
            named_people=TermSet(person_terms(article.named_people, "person", given=False)),
            extra=TermSet(
                Term(t.term, t.category, tag=EXTRA_TERM_CODES.get(t.category))
                for t in article.extra_terms
            ),
            defendant_names=tuple(d.name for d in defendants),
            people_names=tuple(p.name for p in article.named_people),
            proceedings=proceedings_words(article.active_proceedings),
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
        self._threats = threat_pack()
        self._articles: OrderedDict[tuple[str, object], ArticleTerms] = OrderedDict()

    def check_batch(
        self, items: Sequence[Item], canonical: CanonicalBatch | None = None
    ) -> list[list[Reason]]:
        """Reasons for each item. `canonical`: the bodies already normalised (by the
        classifier, which hands the same batch to the scorer); otherwise normalised here."""
        if not items:
            return []
        for _, article in items:  # built once per article version, outside the budget
            if article is not None:
                self._article_terms(article)
        results, within = self._timed(items, canonical)
        if within:
            return results
        if len(items) == 1:
            # Once more: a garbage collection or a busy neighbour can stall one run; a
            # comment that is slow to check is slow every time.
            results, within = self._timed(items, canonical)
            return results if within else [[*results[0], _over_budget()]]
        # Over budget: find the slow comment(s) by checking each against its own budget,
        # so that one crafted comment is held alone and its neighbours are decided.
        return [reasons for item in items for reasons in self.check_batch([item])]

    def _timed(
        self, items: Sequence[Item], canonical: CanonicalBatch | None
    ) -> tuple[list[list[Reason]], bool]:
        started = self._clock()
        results = self._check(items, canonical)
        elapsed_s = self._clock() - started
        return results, elapsed_s <= self.budget_ms_per_comment * len(items) / 1000

    # ------------------------------------------------------------------ the batch
    def _check(self, items: Sequence[Item], canonical: CanonicalBatch | None) -> list[list[Reason]]:
        bodies = [comment.body for comment, _ in items]
        batch = normalise_batch(bodies) if canonical is None else canonical
        tokens = Tokens(batch)
        joined = JoinedView(batch, bodies)
        cue_hits: dict[str, dict[int, list[Hit]]] = {}
        too_many: set[int] = set()
        for pack in (self._contempt, self._defamation, self._threats):
            cues = _by_comment(pack.cues.find(batch, limit=MAX_HITS_PER_COMMENT))
            too_many.update(i for i, hits in cues.items() if len(hits) > MAX_HITS_PER_COMMENT)
            exceptions = pack.exceptions.find(batch, limit=MAX_HITS_PER_COMMENT)
            cue_hits[pack.name] = {
                i: without_contained(hits[:MAX_HITS_PER_COMMENT], exceptions)
                for i, hits in cues.items()
            }
        views = [
            CommentView(i, batch, bodies, tokens, joined, article, Findings(batch, bodies[i]))
            for i, (_, article) in enumerate(items)
        ]
        sites = {comment.site_id: self.site_terms.for_site(comment.site_id) for comment, _ in items}
        for rules in sites.values():
            # Site lists run to thousands of terms: one pass over the batch, not one a comment.
            main = _by_comment(rules.terms.find(batch, limit=MAX_HITS_PER_COMMENT))
            joined_hits = joined.find_all(rules.terms, MAX_HITS_PER_COMMENT)
            for view in views:
                if sites[items[view.index][0].site_id] is rules:
                    view.prime(
                        rules.terms, main.get(view.index, []), joined_hits.get(view.index, [])
                    )
        for view, (comment, _) in zip(views, items, strict=True):
            rules = sites[comment.site_id]
            for hit in view.find(rules.terms):
                sentence = term_sentence(hit.term.tag, article=False)
                view.found.add(hit.term.tag, f"terms.{hit.term.category}", None, sentence, [hit])
            mine = {name: hits.get(view.index, []) for name, hits in cue_hits.items()}
            self._check_one(view, rules.packs, mine)
            if view.overflowed:
                too_many.add(view.index)
        results = [view.found.reasons() for view in views]
        for index in too_many:
            results[index].append(_too_many_matches())
        return results

    def _check_one(self, c: CommentView, packs: frozenset[str], cues: dict[str, list[Hit]]) -> None:
        terms = self._article_terms(c.article) if c.article is not None else None
        if terms is not None:
            for hit in c.find(terms.extra):
                code = hit.term.tag or ReasonCode.SUSPECT_TERM
                c.found.add(code, "terms.article", None, term_sentence(code, True), [hit])
            if "anonymity" in packs:
                self._anonymity(c, terms)
        if "contempt" in packs and terms is not None and terms.defendant_names:
            # An allegation against a defendant is as prejudicial as a verdict.
            allegations = cues["defamation"]
            if cues["contempt"] or allegations:
                self._contempt_check(c, terms, cues["contempt"], allegations)
        if "defamation" in packs and cues["defamation"]:
            self._defamation_check(c, terms, cues["defamation"])
        if "threats" in packs and cues["threats"]:
            self._threat_check(c, terms, cues["threats"])

    # ------------------------------------------------------------------ the packs
    def _anonymity(self, c: CommentView, terms: ArticleTerms) -> None:
        for hit in c.find(terms.protected):
            subject: Subject = hit.term.tag
            c.found.add(
                ReasonCode.LEGAL_ANONYMITY,
                f"anonymity.{subject.how}",
                subject.name,
                anonymity_sentence(subject),
                [hit],
            )

    def _contempt_check(
        self, c: CommentView, terms: ArticleTerms, cues: list[Hit], allegations: list[Hit]
    ) -> None:
        pack = self._contempt
        defendants = c.find(terms.defendants)
        witnesses = [*c.find(terms.witnesses), *c.find(pack.witness_words)]
        others = _outside(
            [*c.find(terms.named_people), *c.find(terms.witnesses), *c.comment_people()],
            defendants,
        )
        # "He's guilty" means the defendant only when the comment names no one else.
        pronouns = [] if others else c.find(pack.pronouns)
        subjects = Nearby([*defendants, *pronouns], c.tokens)
        witness_subjects = Nearby(witnesses, c.tokens)
        lawful = Lawful(c, pack)
        allegation_lawful = Lawful(c, self._defamation)
        for cue in [*cues, *allegations]:
            if c.found.enough(pack.code):
                break
            is_allegation = cue.term.category in self._defamation.groups
            group = pack.groups["allegation"] if is_allegation else pack.groups[cue.term.category]
            if (allegation_lawful if is_allegation else lawful).covers(cue):
                continue
            near = (witness_subjects if group.witness_only else subjects).near(cue, pack.window)
            holds_alone = not group.witness_only and (cue.term.tag or group.standalone)
            if not near and not holds_alone:
                continue
            named = _named(near) or ([] if group.witness_only else defendants[:1])
            name = _subject_name([*named, *near], terms.defendant_names)
            if group.witness_only:
                who = f"witness {name}" if name else "a witness or juror"
            else:
                who = f"defendant {name}" if name else "a defendant"
            sentence = group.sentence.format(subject=who, proceedings=terms.proceedings)
            c.found.add(pack.code, group.rule, name, sentence, [cue, *named])

    def _defamation_check(
        self, c: CommentView, terms: ArticleTerms | None, cues: list[Hit]
    ) -> None:
        pack = self._defamation
        people = c.comment_people()
        pronouns: list[Hit] = []
        if terms is not None:
            people += c.find(terms.named_people)
            if terms.people_names:  # on a story about people, "he" is one of them
                pronouns = c.find(pack.pronouns)
        subjects = Nearby([*people, *pronouns], c.tokens)
        if not subjects:
            return
        lawful = Lawful(c, pack)
        hearsay = bool(c.find(pack.hearsay))
        for cue in cues:
            if c.found.enough(pack.code):
                break
            group = pack.groups[cue.term.category]
            near = subjects.near(cue, pack.window)
            if not near or lawful.covers(cue):
                continue
            named = _named(near) or _nearest(people, cue)
            name = _subject_name([*named, *near], terms.people_names if terms else ())
            rule, sentence = group.rule, group.sentence
            if hearsay:
                rule, sentence = "defamation.hearsay", str(pack.raw["hearsay_sentence"])
            who = name or "a person in the story"
            c.found.add(pack.code, rule, name, sentence.format(subject=who), [cue, *named])

    def _threat_check(self, c: CommentView, terms: ArticleTerms | None, cues: list[Hit]) -> None:
        pack = self._threats
        people = c.comment_people()
        names: tuple[str, ...] = ()
        if terms is not None:
            for term_set in (terms.named_people, terms.defendants, terms.witnesses):
                people += c.find(term_set)
            names = terms.people_names + terms.defendant_names
        subjects = Nearby([*people, *c.find(pack.pronouns)], c.tokens)
        lawful = Lawful(c, pack)
        for cue in cues:
            if c.found.enough(pack.code):
                break
            group = pack.groups[cue.term.category]
            near = subjects.near(cue, pack.window)
            holds_alone = cue.term.tag or group.standalone
            if (not near and not holds_alone) or lawful.covers(cue):
                continue
            named = _named(near) or _nearest(people, cue)
            name = _subject_name([*named, *near], names)
            who = name or _threat_target(cue, near)
            c.found.add(
                pack.code, group.rule, name, group.sentence.format(subject=who), [cue, *named]
            )

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


# "You" in a comment is the reader it answers, not someone in the story.
SECOND_PERSON = frozenset({"you", "your", "youre", "you re"})


def _subject_name(near: list[Hit], context_names: Sequence[str]) -> str | None:
    """Whom the hits near a cue point at: a named subject, or the only person in the
    story when the comment says only "he" (never when it says only "you")."""
    for hit in near:
        if isinstance(hit.term.tag, Subject):
            return hit.term.tag.name
    third_person = [h for h in near if h.term.canonical.text not in SECOND_PERSON]
    if third_person and len(set(context_names)) == 1:
        return context_names[0]
    return None


def _nearest(people: list[Hit], cue: Hit) -> list[Hit]:
    """When a cue points at someone with a pronoun, the person the comment names closest
    to it, so the moderator sees whom ("Brightman pockets the fees ... He's a crook")."""
    if not people:
        return []
    return [min(people, key=lambda p: (abs(p.end - cue.start), p.start))]


def _threat_target(cue: Hit, near: list[Hit]) -> str:
    words = {h.term.canonical.text for h in near} | set(cue.term.canonical.text.split(" "))
    return "another reader" if words & SECOND_PERSON else "a person in the story"


def _named(hits: list[Hit]) -> list[Hit]:
    """Spans show people, not pronouns."""
    return [h for h in hits if h.term.category != "pronoun"]


def _outside(hits: list[Hit], others: list[Hit]) -> list[Hit]:
    """Hits that overlap none of `others` ("Mark Evans" as the comment gives it is the
    defendant, not someone else). One sort and a bisection per hit."""
    if not others:
        return hits
    ordered = sorted(others, key=lambda o: o.start)
    starts = [o.start for o in ordered]
    reach = list(accumulate((o.end for o in ordered), max))
    kept = []
    for hit in hits:
        before = bisect_left(starts, hit.end) - 1  # the others starting before the hit ends
        if before < 0 or reach[before] <= hit.start:
            kept.append(hit)
    return kept


def _by_comment(hits: list[Hit]) -> dict[int, list[Hit]]:
    grouped: dict[int, list[Hit]] = {}
    for hit in hits:
        grouped.setdefault(hit.comment, []).append(hit)
    return grouped


def _too_many_matches() -> Reason:
    return Reason(
        code=ReasonCode.SCORER_ERROR,
        label="legal check stopped: too many matches in one comment",
        rule="budget.matches",
        sentence="the comment repeats names or phrases too often to check in full, "
        "so a moderator must read it",
    )


def _over_budget() -> Reason:
    return Reason(
        code=ReasonCode.SCORER_ERROR,
        label="legal check exceeded its time budget",
        rule="budget.time",
        sentence="the legal check took longer than its time budget, so a moderator must read it",
    )
