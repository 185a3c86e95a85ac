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
PACK_NAMES = ("anonymity", "contempt", "defamation")


@dataclass(frozen=True)
class CuePack:
    """A pack of cue phrases that count only near a person (contempt, defamation)."""

    name: str
    code: ReasonCode
    window: int
    cues: TermSet  # Term.category = cue group; Term.tag = True when it names its own subject
    exceptions: TermSet
    pronouns: TermSet
    raw: dict[str, Any]


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((RULES_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("name") != name:
        raise ValueError(f"rule pack {name}.yaml is malformed")
    return data


def _cue_pack(data: dict[str, Any], groups_key: str) -> CuePack:
    pronouns = [str(p) for p in data.get("pronouns", [])]
    pronoun_tokens = {Term(p, "pronoun").canonical.text for p in pronouns}
    cues = []
    for group, phrases in data[groups_key].items():
        for phrase in phrases:
            term = Term(str(phrase), str(group))
            names_subject = bool(set(term.canonical.text.split(" ")) & pronoun_tokens)
            cues.append(Term(str(phrase), str(group), tag=names_subject))
    return CuePack(
        name=data["name"],
        code=ReasonCode(data["code"]),
        window=int(data["window"]),
        cues=TermSet(cues),
        exceptions=TermSet(Term(str(e), "exception") for e in data.get("exceptions", [])),
        pronouns=TermSet(Term(p, "pronoun") for p in pronouns),
        raw=data,
    )


@lru_cache(maxsize=1)
def contempt_pack() -> CuePack:
    return _cue_pack(_load("contempt"), "cues")


@lru_cache(maxsize=1)
def defamation_pack() -> CuePack:
    return _cue_pack(_load("defamation"), "allegations")


@lru_cache(maxsize=1)
def anonymity_pack() -> dict[str, Any]:
    return _load("anonymity")
