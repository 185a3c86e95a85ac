"""Loads the legal case tables (tests/data/legal_cases.yaml and legal_cases_v2.yaml) into
comments, article contexts and site term files, checks decisions against them, and reports
precision and recall per reason code (`python -m tests.legal_cases`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from moderation.domain.events import ArticleContext, Author, CommentSubmitted

DATA = Path(__file__).resolve().parent / "data"
CASES_FILE = DATA / "legal_cases.yaml"
CASE_FILES = (CASES_FILE, DATA / "legal_cases_v2.yaml")
LEGAL_AND_TERM_CODES = {
    "LEGAL_ANONYMITY",
    "LEGAL_CONTEMPT",
    "LEGAL_DEFAMATION",
    "TARGETED_THREAT",
    "BANNED_TERM",
    "SUSPECT_TERM",
    "SCORER_ERROR",
}

# Everyday phrasings the rule packs do not catch yet (docs/legal.md, "Known limits"). The
# tests expect them to fail: one that starts passing fails the run, so the list stays true.
KNOWN_MISSES = {
    "d2-council-gray-bully": "'threatens officers' in other words: 'threatens council officers'",
    "d2-council-proof-claimed": "an allegation with no allegation word: 'told officers to mark'",
    "t2-council-train": "menace by implication: a timetable and 'just saying'",
}


@dataclass(frozen=True)
class Case:
    id: str
    comment: CommentSubmitted
    article: ArticleContext | None
    code: str | None
    spans: tuple[str, ...]
    rule: str | None = None  # the law or code clause the case exercises (v2 table)


def _tables(files: tuple[Path, ...] = CASE_FILES) -> list[tuple[str, dict]]:
    """(prefix for article ids, parsed table) of every case file present."""
    return [
        ("" if path == CASES_FILE else f"{path.stem}-", yaml.safe_load(path.read_text("utf-8")))
        for path in files
        if path.exists()
    ]


def load_cases(run: str = "t", files: tuple[Path, ...] = CASE_FILES) -> list[Case]:
    cases = []
    for prefix, data in _tables(files):
        cases += _cases(data, f"{run}-{prefix}", run)
    return cases


def _cases(data: dict, article_prefix: str, run: str) -> list[Case]:
    articles = {
        name: None if spec is None else ArticleContext(article_id=f"{article_prefix}{name}", **spec)
        for name, spec in data["articles"].items()
    }
    sites = data["sites"]
    cases = []
    for row in data["cases"]:
        case_id, article_name, site, body, code, spans = row[:6]
        rule = row[6] if len(row) > 6 else None
        staff = bool(sites.get(site, {}).get("staff"))
        site_id = sites[site].get("alias", site) if site in sites else site
        article = articles[article_name]
        comment = CommentSubmitted(
            comment_id=f"{run}-{case_id}",
            article_id=article.article_id if article else f"{run}-no-context",
            site_id=site_id,
            author=Author(id="reader" if not staff else "staff-1", is_staff=staff),
            body=body,
        )
        cases.append(Case(case_id, comment, article, code, tuple(str(s) for s in spans), rule))
    return cases


def write_term_files(directory: Path) -> Path:
    """One term file per site, the tables' definitions of a site merged."""
    directory.mkdir(parents=True, exist_ok=True)
    merged: dict[str, dict] = {}
    for _, data in _tables():
        for site, spec in data["sites"].items():
            if "alias" not in spec:
                merged[site] = {**merged.get(site, {}), **spec}
    for site, spec in merged.items():
        (directory / f"{site}.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return directory


def check(case: Case, reasons: list[dict]) -> None:
    """Assert one case against the reasons of its decision (as JSON-like dicts)."""
    legal = [r for r in reasons if r["code"] in LEGAL_AND_TERM_CODES]
    body = case.comment.body
    for reason in legal:
        for span in reason["spans"]:
            assert body[span["start"] : span["end"]] == span["text"], (case.id, span)
    if case.code is None:
        assert legal == [], f"{case.id}: expected nothing, got {legal}"
        return
    by_code = {r["code"]: r for r in legal}
    assert case.code in by_code, f"{case.id}: expected {case.code}, got {list(by_code)}"
    texts = [s["text"] for s in by_code[case.code]["spans"]]
    for expected in case.spans:
        assert expected in texts, f"{case.id}: span {expected!r} not in {texts}"


def pack_report(cases: list[Case], reasons: list[list[dict]]) -> dict[str, dict[str, float]]:
    """Precision and recall per legal code over the table. A case expecting a code is a
    positive for it; a lawful case (code null) given that code is a false positive. A case
    expecting another code that also gets this one (several risks in one comment) is not
    counted either way. Spans are not required here: `check` tests those."""
    report = {}
    codes = sorted({c.code for c in cases if c.code is not None})
    for code in codes:
        given = [{r["code"] for r in found} for found in reasons]
        tp = sum(1 for c, g in zip(cases, given, strict=True) if c.code == code and code in g)
        fn = sum(1 for c, g in zip(cases, given, strict=True) if c.code == code and code not in g)
        fp = sum(1 for c, g in zip(cases, given, strict=True) if c.code is None and code in g)
        report[code] = {
            "cases": tp + fn,
            "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
            "false_positives": fp,
            "missed": fn,
        }
    lawful = [g for c, g in zip(cases, reasons, strict=True) if c.code is None]
    held = sum(1 for found in lawful if any(r["code"] in LEGAL_AND_TERM_CODES for r in found))
    report["lawful"] = {"cases": len(lawful), "approved": round(1 - held / len(lawful), 3)}
    return report


def rule_report(cases: list[Case], reasons: list[list[dict]]) -> dict[str, str]:
    """Per rule of the v2 column (CCA1981, SOAA1992, ...): how many of its cases got the
    right answer, risky (expected code given) and lawful (no legal reason) together."""
    right: dict[str, list[bool]] = {}
    for case, found in zip(cases, reasons, strict=True):
        if case.rule is None:
            continue
        codes = {r["code"] for r in found if r["code"] in LEGAL_AND_TERM_CODES}
        correct = case.code in codes if case.code is not None else not codes
        right.setdefault(case.rule, []).append(correct)
    return {rule: f"{sum(oks)}/{len(oks)}" for rule, oks in sorted(right.items())}


if __name__ == "__main__":
    import json
    import sys
    import tempfile

    from moderation.legal.checker import LegalRiskChecker
    from moderation.legal.site_terms import SiteTermLists

    with tempfile.TemporaryDirectory() as directory:
        checker = LegalRiskChecker(SiteTermLists(write_term_files(Path(directory))))
        # Another table (tests/data/legal_holdout.yaml) may be named; its sites are its own.
        files = tuple(Path(a).resolve() for a in sys.argv[1:]) or CASE_FILES
        cases = load_cases(files=files)
        found = [
            [r.model_dump(mode="json") for r in checker.check_batch([(c.comment, c.article)])[0]]
            for c in cases
        ]
    for code, figures in pack_report(cases, found).items():
        print(f"{code:18} {json.dumps(figures)}")
    print("by rule           ", json.dumps(rule_report(cases, found)))
