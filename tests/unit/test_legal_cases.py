"""Every case of the legal case tables (tests/data/legal_cases.yaml and legal_cases_v2.yaml)
through the legal-risk checker."""

import pytest

from moderation.legal.checker import LegalRiskChecker
from moderation.legal.site_terms import SiteTermLists
from tests.legal_cases import KNOWN_MISSES, check, load_cases, pack_report, write_term_files

CASES = load_cases()


def test_there_are_at_least_400_cases_covering_every_code_and_traps():
    assert len(CASES) >= 400
    codes = {c.code for c in CASES}
    assert {
        "LEGAL_ANONYMITY",
        "LEGAL_CONTEMPT",
        "LEGAL_DEFAMATION",
        "TARGETED_THREAT",
        "BANNED_TERM",
        "SUSPECT_TERM",
        None,
    } <= codes
    assert len({c.id for c in CASES}) == len(CASES)
    assert set(KNOWN_MISSES) <= {c.id for c in CASES}


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    # The time budget has tests of its own; on a loaded machine it must not hold a case.
    terms = SiteTermLists(write_term_files(tmp_path_factory.mktemp("terms")))
    return LegalRiskChecker(terms, budget_ms_per_comment=1000.0)


def _marks(case):
    if case.id in KNOWN_MISSES:
        return [pytest.mark.xfail(reason=KNOWN_MISSES[case.id], strict=True)]
    return []


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=_marks(c)) for c in CASES])
def test_case_alone(case, checker):
    [reasons] = checker.check_batch([(case.comment, case.article)])
    check(case, [r.model_dump(mode="json") for r in reasons])


def test_all_cases_in_one_batch_give_the_same_answers_as_alone(checker):
    together = checker.check_batch([(c.comment, c.article) for c in CASES])
    for case, reasons in zip(CASES, together, strict=True):
        [alone] = checker.check_batch([(case.comment, case.article)])
        assert reasons == alone, case.id


def test_every_legal_reason_says_its_rule_and_why(checker):
    for case in CASES:
        [reasons] = checker.check_batch([(case.comment, case.article)])
        for reason in reasons:
            assert reason.rule and reason.sentence, (case.id, reason)


def test_precision_and_recall_per_code(checker):
    found = [
        [r.model_dump(mode="json") for r in checker.check_batch([(c.comment, c.article)])[0]]
        for c in CASES
    ]
    report = pack_report(CASES, found)
    for code, figures in report.items():
        if code != "lawful":
            assert figures["recall"] >= 0.9 and figures["precision"] >= 0.95, (code, figures)
    assert report["lawful"]["approved"] >= 0.95
