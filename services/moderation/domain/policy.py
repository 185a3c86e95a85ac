"""Decision policy: per-label hold thresholds with ordered site/section/article overrides.

A policy is plain data loaded from YAML. Overrides are applied from least to most specific
(site, then section, then article; file order breaks ties), so an article-level rule always
wins over a site-wide one. A threshold of `null` switches a label off for that scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from moderation.domain.events import Reason
from moderation.domain.labels import REASON_FOR_LABEL, Label

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "policies" / "default.yaml"


class PolicyError(ValueError):
    """The policy file is not valid; the message says what to fix."""


@dataclass(frozen=True)
class Override:
    site_id: str | None
    section: str | None
    article_id: str | None
    thresholds: Mapping[Label, float | None]

    def matches(self, site_id: str, section: str | None, article_id: str) -> bool:
        return (
            (self.site_id is None or self.site_id == site_id)
            and (self.section is None or self.section == section)
            and (self.article_id is None or self.article_id == article_id)
        )

    @property
    def specificity(self) -> int:
        # Article beats section beats site: weights make any article rule outrank the rest.
        return (
            (4 if self.article_id else 0) + (2 if self.section else 0) + (1 if self.site_id else 0)
        )


@dataclass(frozen=True)
class Policy:
    version: str
    thresholds: Mapping[Label, float | None]
    overrides: tuple[Override, ...] = field(default=())

    def thresholds_for(
        self, site_id: str, section: str | None, article_id: str
    ) -> dict[Label, float]:
        effective: dict[Label, float | None] = dict(self.thresholds)
        matching = [o for o in self.overrides if o.matches(site_id, section, article_id)]
        for override in sorted(matching, key=lambda o: o.specificity):  # stable: file order
            effective.update(override.thresholds)
        return {label: t for label, t in effective.items() if t is not None}

    def toxicity_reasons(
        self, scores: Mapping[str, float], thresholds: Mapping[Label, float]
    ) -> list[Reason]:
        """Every label at or over its threshold, most severe (highest margin) first."""
        reasons = [
            Reason(
                code=REASON_FOR_LABEL[label],
                label=label.value,
                score=round(scores[label.value], 4),
                threshold=threshold,
            )
            for label, threshold in thresholds.items()
            if label.value in scores and scores[label.value] >= threshold
        ]
        reasons.sort(key=lambda r: (r.score or 0.0) - (r.threshold or 0.0), reverse=True)
        return reasons


def _parse_thresholds(raw: Any, where: str) -> dict[Label, float | None]:
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: 'thresholds' must be a mapping of label to number")
    parsed: dict[Label, float | None] = {}
    for name, value in raw.items():
        try:
            label = Label(name)
        except ValueError:
            known = ", ".join(label.value for label in Label)
            raise PolicyError(f"{where}: unknown label {name!r}; known labels: {known}") from None
        if value is not None and not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
            raise PolicyError(f"{where}: threshold for {name} must be between 0 and 1, or null")
        parsed[label] = None if value is None else float(value)
    return parsed


def parse_policy(data: Any, source: str = "policy") -> Policy:
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: expected a mapping at the top level")
    version = data.get("version")
    if not version:
        raise PolicyError(f"{source}: 'version' is required (it is stamped on every decision)")
    thresholds = _parse_thresholds(data.get("thresholds", {}), f"{source}: thresholds")
    overrides = []
    for index, raw in enumerate(data.get("overrides") or []):
        where = f"{source}: overrides[{index}]"
        if not isinstance(raw, dict):
            raise PolicyError(f"{where}: expected a mapping")
        scope = {key: raw.get(key) for key in ("site_id", "section", "article_id")}
        if not any(scope.values()):
            raise PolicyError(f"{where}: give at least one of site_id, section, article_id")
        overrides.append(
            Override(**scope, thresholds=_parse_thresholds(raw.get("thresholds"), where))
        )
    return Policy(version=str(version), thresholds=thresholds, overrides=tuple(overrides))


def load_policy(path: Path | str | None = None) -> Policy:
    policy_path = Path(path) if path else DEFAULT_POLICY_PATH
    try:
        data = yaml.safe_load(policy_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(
            f"policy file not found: {policy_path} (set MODERATION_POLICY_FILE)"
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{policy_path}: not valid YAML: {exc}") from exc
    return parse_policy(data, str(policy_path))
