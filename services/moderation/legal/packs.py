"""Built-in media-law rule packs, loaded from the YAML files in services/moderation/rules/."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from moderation.domain.labels import ReasonCode
from moderation.text.matcher import Term, TermSet

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
PACK_NAMES = ("anonymity", "contempt", "defamation", "threats")


@dataclass(frozen=True)
class CueGroup:
    """Cues of one kind ("bad_character"), the rule they apply and how it is worded."""

    rule: str  # "contempt.bad_character"
    sentence: str  # template with {subject} and, for contempt, {proceedings}
    standalone: bool = False  # holds on its own, without a person near it ("case closed")
    witness_only: bool = False  # counts only near a witness or juror


@dataclass(frozen=True)
class CuePack:
    """Cue phrases that count near a person (contempt, defamation, threats)."""

    name: str
    code: ReasonCode
    window: int
    groups: dict[str, CueGroup]
    cues: TermSet  # Term.category = group; Term.tag = True when the cue names its own subject
    exceptions: TermSet  # contain a cue and neutralise it ("innocent until proven guilty")
    neutralisers: TermSet  # near a cue, make it lawful ("if convicted", "accused of")
    pronouns: TermSet  # words that stand for a person ("he", "the accused")
    meta: TermSet  # talk about such comments ("comments like"): quoted cues are lawful
    hearsay: TermSet  # "a mate says": still an allegation, worded as hearsay
    witness_words: TermSet  # "the witness", "the jury"
    raw: dict[str, Any]


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((RULES_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("name") != name:
        raise ValueError(f"rule pack {name}.yaml is malformed")
    return data


def _terms(data: dict[str, Any], key: str, category: str) -> TermSet:
    return TermSet(Term(str(p), category) for p in data.get(key, []))


def _cue_pack(data: dict[str, Any], own_subject_cues: bool) -> CuePack:
    """`own_subject_cues`: a cue containing a pronoun ("lock him up") names its own subject."""
    pronoun_tokens = {Term(str(p), "pronoun").canonical.text for p in data.get("pronouns", [])}
    groups: dict[str, CueGroup] = {}
    cues = []
    for group, spec in data["groups"].items():
        groups[group] = CueGroup(
            rule=f"{data['name']}.{group}",
            sentence=str(spec["sentence"]),
            standalone=bool(spec.get("standalone", False)),
            witness_only=bool(spec.get("witness_only", False)),
        )
        for phrase in spec["cues"]:
            term = Term(str(phrase), str(group))
            names_subject = own_subject_cues and bool(
                set(term.canonical.text.split(" ")) & pronoun_tokens
            )
            cues.append(Term(str(phrase), str(group), tag=names_subject))
    return CuePack(
        name=data["name"],
        code=ReasonCode(data["code"]),
        window=int(data["window"]),
        groups=groups,
        cues=TermSet(cues),
        exceptions=_terms(data, "exceptions", "exception"),
        neutralisers=_terms(data, "neutralisers", "neutraliser"),
        pronouns=_terms(data, "pronouns", "pronoun"),
        meta=_terms(data, "meta", "meta"),
        hearsay=_terms(data, "hearsay", "hearsay"),
        witness_words=_terms(data, "witness_words", "witness"),
        raw=data,
    )


@lru_cache(maxsize=1)
def contempt_pack() -> CuePack:
    return _cue_pack(_load("contempt"), own_subject_cues=True)


@lru_cache(maxsize=1)
def defamation_pack() -> CuePack:
    # "beat his wife" still needs someone identifiable: a pronoun alone is nobody.
    return _cue_pack(_load("defamation"), own_subject_cues=False)


@lru_cache(maxsize=1)
def threat_pack() -> CuePack:
    return _cue_pack(_load("threats"), own_subject_cues=True)


@lru_cache(maxsize=1)
def anonymity_pack() -> dict[str, Any]:
    return _load("anonymity")
