"""Per-site term lists (banned, suspect) and rule-pack switches, from YAML files that are
re-read when they change: no restart needed.

    <terms dir>/default.yaml    applies to every site
    <terms dir>/<site_id>.yaml  adds terms for one site and may switch packs off

    banned: [term, ...]          # held with BANNED_TERM
    suspect: [term, ...]         # held with SUSPECT_TERM
    packs: {contempt: false}     # anonymity, contempt, defamation: on unless switched off

A term ending in '*' matches any word starting with it ("scam*": scam, scammer, scams).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from moderation.domain.labels import ReasonCode
from moderation.legal.packs import PACK_NAMES
from moderation.text.matcher import Term, TermSet

log = logging.getLogger(__name__)

DEFAULT_FILE = "default"
LIST_CODES = {"banned": ReasonCode.BANNED_TERM, "suspect": ReasonCode.SUSPECT_TERM}


class TermListError(ValueError):
    pass


@dataclass(frozen=True)
class SiteRules:
    terms: TermSet
    packs: frozenset[str] = field(default_factory=lambda: frozenset(PACK_NAMES))


def parse_term_file(data: object, source: str) -> tuple[list[Term], dict[str, bool]]:
    if data is None:
        return [], {}
    if not isinstance(data, dict):
        raise TermListError(f"{source}: expected a mapping with banned/suspect/packs")
    terms: list[Term] = []
    for list_name, code in LIST_CODES.items():
        entries = data.get(list_name) or []
        if not isinstance(entries, list):
            raise TermListError(f"{source}: '{list_name}' must be a list of terms")
        terms.extend(Term(str(entry), list_name, tag=code) for entry in entries)
    packs = data.get("packs") or {}
    unknown = set(packs) - set(PACK_NAMES)
    if unknown:
        raise TermListError(f"{source}: unknown packs {sorted(unknown)}; known: {PACK_NAMES}")
    return terms, {name: bool(on) for name, on in packs.items()}


class SiteTermLists:
    def __init__(
        self,
        directory: Path | None,
        reload_interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory = directory
        self.reload_interval_s = reload_interval_s
        self._clock = clock
        self._checked_at = -1e9
        self._mtimes: dict[str, float] = {}
        self._parsed: dict[str, tuple[list[Term], dict[str, bool]]] = {}
        self._rules: dict[str, SiteRules] = {}

    def for_site(self, site_id: str) -> SiteRules:
        self._refresh()
        if site_id not in self._rules:
            default_terms, default_packs = self._parsed.get(DEFAULT_FILE, ([], {}))
            site_terms, site_packs = self._parsed.get(site_id, ([], {}))
            switches = {**default_packs, **site_packs}
            self._rules[site_id] = SiteRules(
                terms=TermSet([*default_terms, *site_terms]),
                packs=frozenset(p for p in PACK_NAMES if switches.get(p, True)),
            )
        return self._rules[site_id]

    def _refresh(self) -> None:
        now = self._clock()
        if self.directory is None or now - self._checked_at < self.reload_interval_s:
            return
        self._checked_at = now
        current = {}
        if self.directory.is_dir():
            current = {p.stem: p.stat().st_mtime for p in self.directory.glob("*.yaml")}
        if current == self._mtimes:
            return
        for name, mtime in current.items():
            if self._mtimes.get(name) == mtime:
                continue
            path = self.directory / f"{name}.yaml"
            try:
                self._parsed[name] = parse_term_file(
                    yaml.safe_load(path.read_text(encoding="utf-8")), str(path)
                )
                log.info("loaded term list %s", path)
            except (OSError, yaml.YAMLError, TermListError) as exc:
                # Keep the last good version: a typo must not silently drop a banned list.
                log.error("term list %s not reloaded (keeping the previous one): %s", path, exc)
        for gone in set(self._parsed) - set(current):
            del self._parsed[gone]
        self._mtimes = current
        self._rules.clear()
