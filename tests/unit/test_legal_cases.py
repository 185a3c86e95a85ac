"""Every case of tests/data/legal_cases.yaml through the legal-risk checker."""

import pytest

from moderation.legal.checker import LegalRiskChecker
from moderation.legal.site_terms import SiteTermLists
from tests.legal_cases import check, load_cases, write_term_files

CASES = load_cases()


def test_there_are_at_least_150_cases_covering_every_code_and_traps():
    assert len(CASES) >= 150
    codes = {c.code for c in CASES}
    assert {
        "LEGAL_ANONYMITY",
        "LEGAL_CONTEMPT",
        "LEGAL_DEFAMATION",
        "BANNED_TERM",
        "SUSPECT_TERM",
        None,
    } <= codes
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    return LegalRiskChecker(SiteTermLists(write_term_files(tmp_path_factory.mktemp("terms"))))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_alone(case, checker):
    [reasons] = checker.check_batch([(case.comment, case.article)])
    check(case, [r.model_dump(mode="json") for r in reasons])


def test_all_cases_in_one_batch_give_the_same_answers(checker):
    results = checker.check_batch([(c.comment, c.article) for c in CASES])
    for case, reasons in zip(CASES, results, strict=True):
        check(case, [r.model_dump(mode="json") for r in reasons])
