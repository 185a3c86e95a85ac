"""The v2 legal case table is well formed and covers what issue #12 asks for.

This checks the table itself, not the engine: rows, articles, spans, ids, codes, rules,
and the size of each pack and of the lawful share.
"""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from moderation.domain.events import ArticleContext
from moderation.domain.labels import CATEGORY_OF_REASON, ReasonCategory, ReasonCode

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "legal_cases_v2.yaml"
DATA = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
ROWS = DATA["cases"]
COLUMNS = ("id", "article", "site", "body", "code", "spans", "rule")

# Codes a case may expect: the legal and term-list reasons (BANNED_TERM ... TARGETED_THREAT).
CASE_CODES = {
    code
    for code, category in CATEGORY_OF_REASON.items()
    if category in (ReasonCategory.LEGAL, ReasonCategory.TERMS)
} | {ReasonCode.SCORER_ERROR}

CONTEMPT, ANONYMITY, DEFAMATION, THREAT = "contempt", "anonymity", "defamation", "threat"
PACK_OF_CODE = {
    "LEGAL_CONTEMPT": CONTEMPT,
    "LEGAL_ANONYMITY": ANONYMITY,
    "LEGAL_DEFAMATION": DEFAMATION,
    "TARGETED_THREAT": THREAT,
}
# The pack each rule belongs to. IPSO-9 (relatives of the accused) is exercised by
# identification, defamation and threats alike, so it fits any pack.
PACKS_OF_RULE = {
    "CCA1981": {CONTEMPT},
    "SOAA1992": {ANONYMITY},
    "YJCEA1999-s45": {ANONYMITY},
    "CYPA1933-s49": {ANONYMITY},
    "IPSO-6": {ANONYMITY},
    "IPSO-11": {ANONYMITY},
    "DA2013-s1": {DEFAMATION},
    "DA2013-s2": {DEFAMATION},
    "DA2013-s3": {DEFAMATION},
    "DA2013-s4": {DEFAMATION},
    "IPSO-1": {DEFAMATION},
    "IPSO-9": {ANONYMITY, DEFAMATION, THREAT},
    "THREAT": {THREAT},
}
PREFIX_OF_PACK = {CONTEMPT: "c2-", ANONYMITY: "a2-", DEFAMATION: "d2-", THREAT: "t2-"}
EVASION_PREFIX, LAWFUL_PREFIX = "e2-", "ok2-"

# Issue #12: the least each pack must hold (risky and lawful together).
MINIMUM_PER_PACK = {CONTEMPT: 70, ANONYMITY: 60, DEFAMATION: 60, THREAT: 40}
MINIMUM_EVASIONS = 25
MINIMUM_CASES = 260


def case(row):
    return dict(zip(COLUMNS, row, strict=True))


def pack(row) -> str:
    """A risky case belongs to its code's pack, a lawful one to its rule's (first) pack."""
    c = case(row)
    if c["code"] is not None:
        return PACK_OF_CODE.get(c["code"], "terms")
    return sorted(PACKS_OF_RULE[c["rule"]])[0]


def test_every_row_has_seven_columns():
    bad = [row[0] if row else row for row in ROWS if len(row) != len(COLUMNS)]
    assert bad == []


def test_ids_are_unique():
    duplicates = [i for i, n in Counter(row[0] for row in ROWS).items() if n > 1]
    assert duplicates == []


def test_sites_are_a_reader_and_a_staff_account_of_one_site():
    assert DATA["sites"] == {"news": {}, "news-staff": {"alias": "news", "staff": True}}
    assert {case(row)["site"] for row in ROWS} <= set(DATA["sites"])


@pytest.mark.parametrize("name", sorted(DATA["articles"]))
def test_every_article_is_a_valid_article_context_or_no_context(name):
    spec = DATA["articles"][name]
    if spec is not None:
        assert "site_id" in spec
        ArticleContext(article_id=name, **spec)


def test_every_case_names_an_article_of_the_file():
    unknown = [case(r)["id"] for r in ROWS if case(r)["article"] not in DATA["articles"]]
    assert unknown == []


def test_codes_and_rules_come_from_the_agreed_lists():
    bad_codes = [case(r)["id"] for r in ROWS if case(r)["code"] not in CASE_CODES | {None}]
    bad_rules = [case(r)["id"] for r in ROWS if case(r)["rule"] not in PACKS_OF_RULE]
    assert (bad_codes, bad_rules) == ([], [])


def test_rule_fits_the_code():
    misfits = [
        case(r)["id"]
        for r in ROWS
        if case(r)["code"] is not None and pack(r) not in PACKS_OF_RULE[case(r)["rule"]]
    ]
    assert misfits == []


def test_id_prefix_says_the_pack_or_evasion_or_lawful():
    def expected_prefixes(row):
        c = case(row)
        if c["code"] is None:
            return (LAWFUL_PREFIX,)
        return (PREFIX_OF_PACK[pack(row)], EVASION_PREFIX)

    wrong = [r[0] for r in ROWS if not r[0].startswith(expected_prefixes(r))]
    assert wrong == []


def test_spans_are_text_of_the_body_and_lawful_cases_have_none():
    for row in ROWS:
        c = case(row)
        assert isinstance(c["spans"], list), c["id"]
        for span in c["spans"]:
            assert isinstance(span, str) and span in c["body"], (c["id"], span)
        if c["code"] is None:
            assert c["spans"] == [], c["id"]


def test_comments_are_five_to_sixty_words():
    wrong = [case(r)["id"] for r in ROWS if not 5 <= len(case(r)["body"].split()) <= 60]
    assert wrong == []


def test_contempt_only_where_proceedings_are_active_anonymity_only_for_protected_people():
    def article(row):
        return DATA["articles"][case(row)["article"]] or {}

    contempt_without_proceedings = [
        case(r)["id"]
        for r in ROWS
        if case(r)["code"] == "LEGAL_CONTEMPT" and not article(r).get("active_proceedings")
    ]
    anonymity_without_protected = [
        case(r)["id"]
        for r in ROWS
        if case(r)["code"] == "LEGAL_ANONYMITY" and not article(r).get("protected_names")
    ]
    assert (contempt_without_proceedings, anonymity_without_protected) == ([], [])


def test_each_pack_evasions_and_the_lawful_share_are_big_enough():
    per_pack = Counter(pack(r) for r in ROWS)
    for name, least in MINIMUM_PER_PACK.items():
        assert per_pack[name] >= least, (name, per_pack[name])
    assert sum(r[0].startswith(EVASION_PREFIX) for r in ROWS) >= MINIMUM_EVASIONS
    assert len(ROWS) >= MINIMUM_CASES
    lawful = sum(case(r)["code"] is None for r in ROWS) / len(ROWS)
    assert 0.28 <= lawful <= 0.40, lawful
    # Every pack has lawful cases of its own, so none can pass by holding everything.
    lawful_packs = {pack(r) for r in ROWS if case(r)["code"] is None}
    assert set(MINIMUM_PER_PACK) <= lawful_packs
