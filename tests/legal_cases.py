"""Loads tests/data/legal_cases.yaml into comments, article contexts and site term files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from moderation.domain.events import ArticleContext, Author, CommentSubmitted

CASES_FILE = Path(__file__).resolve().parent / "data" / "legal_cases.yaml"
LEGAL_AND_TERM_CODES = {
    "LEGAL_ANONYMITY",
    "LEGAL_CONTEMPT",
    "LEGAL_DEFAMATION",
    "BANNED_TERM",
    "SUSPECT_TERM",
    "SCORER_ERROR",
}


@dataclass(frozen=True)
class Case:
    id: str
    comment: CommentSubmitted
    article: ArticleContext | None
    code: str | None
    spans: tuple[str, ...]


def _data() -> dict:
    return yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))


def load_cases(run: str = "t") -> list[Case]:
    data = _data()
    articles = {
        name: None if spec is None else ArticleContext(article_id=f"{run}-{name}", **spec)
        for name, spec in data["articles"].items()
    }
    sites = data["sites"]
    cases = []
    for case_id, article_name, site, body, code, spans in data["cases"]:
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
        cases.append(Case(case_id, comment, article, code, tuple(str(s) for s in spans)))
    return cases


def write_term_files(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for site, spec in _data()["sites"].items():
        if "alias" in spec:
            continue
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
