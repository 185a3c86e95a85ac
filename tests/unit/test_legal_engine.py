"""Normalisation, term lists that reload, and the fail-closed time budget."""

import itertools

from moderation.domain.labels import ReasonCode
from moderation.legal.checker import LegalRiskChecker
from moderation.text.matcher import Term, TermSet
from moderation.text.normalise import canonical_term, normalise_batch
from moderation.legal.site_terms import SiteTermLists
from tests.fakes import comment


def spans(terms, body):
    batch = normalise_batch([body])
    return [
        body[slice(*batch.original_span(h.comment, h.start, h.end))]
        for h in TermSet(Term(t, "x") for t in terms).find(batch)
    ]


def test_canonical_text_folds_every_evasion_to_one_form():
    assert normalise_batch(["Ｓ.m.1.t.h is a L!AR"]).text == " smith is a iar "
    assert canonical_term("guiiilty").text == canonical_term("guilty").text


def test_spans_point_into_the_original_after_all_normalisation():
    body = "Well, Ｓ\u200bM\u0301ITH!!! said so"
    assert spans(["smith"], body) == ["Ｓ\u200bM\u0301ITH"]


def test_spans_of_each_comment_in_a_batch_are_relative_to_that_comment():
    batch = normalise_batch(["liar", "he is a liar", "ok"])
    hits = TermSet([Term("liar", "x")]).find(batch)
    assert [(h.comment, batch.original_span(h.comment, h.start, h.end)) for h in hits] == [
        (0, (0, 4)),
        (1, (8, 12)),
    ]


def test_line_breaks_inside_comments_do_not_shift_hits_to_the_next_comment():
    """Multi-line comments are common; a line break in a body once read as the boundary
    between two comments, and later comments' hits were attributed to the wrong one."""
    bodies = ["first line\nsecond line\r\n\nthird", "he is a liar", "fine\nliar"]
    batch = normalise_batch(bodies)
    hits = TermSet([Term("liar", "x")]).find(batch)
    found = [
        (h.comment, bodies[h.comment][slice(*batch.original_span(h.comment, h.start, h.end))])
        for h in hits
    ]
    assert found == [(1, "liar"), (2, "liar")]
    assert len(batch.comment_starts) == len(bodies)


def test_doubled_letters_in_a_term_are_required_in_the_text():
    assert spans(["ass"], "as far as I know") == []
    assert spans(["ass"], "what an aaasss") == ["aaasss"]


def test_prefix_terms_report_the_whole_word():
    assert spans(["swindl*"], "swindlers all") == ["swindlers"]


def test_site_term_lists_reload_without_a_restart(tmp_path):
    now = itertools.count()
    lists = SiteTermLists(tmp_path, reload_interval_s=1.0, clock=lambda: next(now) * 10.0)
    checker = LegalRiskChecker(lists)
    body = [(comment("What a plonker.", site_id="s1"), None)]
    assert checker.check_batch(body) == [[]]
    (tmp_path / "s1.yaml").write_text("banned: [plonker]\n")
    [[reason]] = checker.check_batch(body)
    assert reason.code == ReasonCode.BANNED_TERM and reason.spans[0].text == "plonker"


def test_a_broken_term_file_keeps_the_last_good_list(tmp_path):
    now = itertools.count()
    lists = SiteTermLists(tmp_path, reload_interval_s=1.0, clock=lambda: next(now) * 10.0)
    checker = LegalRiskChecker(lists)
    (tmp_path / "default.yaml").write_text("banned: [plonker]\n")
    item = [(comment("plonker", site_id="any"), None)]
    assert checker.check_batch(item)[0]
    path = tmp_path / "default.yaml"
    path.write_text("banned: [unclosed\n")
    import os

    os.utime(path, (1e9, 1e9))  # a different mtime even on a coarse clock
    assert checker.check_batch(item)[0][0].code == ReasonCode.BANNED_TERM


def test_time_budget_overrun_holds_every_comment_of_the_batch(tmp_path):
    ticks = iter([0.0, 10.0])  # the check "takes" ten seconds
    checker = LegalRiskChecker(
        SiteTermLists(None), budget_ms_per_comment=1.0, clock=lambda: next(ticks)
    )
    results = checker.check_batch([(comment("fine"), None), (comment("also fine"), None)])
    assert [[r.code for r in reasons] for reasons in results] == [
        [ReasonCode.SCORER_ERROR],
        [ReasonCode.SCORER_ERROR],
    ]
