"""Every metric an alert rule in deploy/alerts.yml reads is one the service exports: a
renamed metric would otherwise leave its alert silent for ever."""

import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

import moderation.metrics  # noqa: F401  (registers the metrics)

ALERTS = Path(__file__).resolve().parents[2] / "deploy" / "alerts.yml"


def _exported_series() -> set[str]:
    return {sample.name for family in REGISTRY.collect() for sample in family.samples} | {
        family.name for family in REGISTRY.collect()
    }


def test_every_alert_reads_an_exported_metric():
    rules = [r for g in yaml.safe_load(ALERTS.read_text())["groups"] for r in g["rules"]]
    exported = _exported_series()
    for rule in rules:
        names = set(re.findall(r"\bmoderation_[a-z_]+", rule["expr"]))
        assert names, rule["alert"]
        for name in names:
            # A labelled counter's _total and a histogram's _bucket series appear only once
            # observed, so the family name (without the suffix) counts.
            family = name.removesuffix("_total").removesuffix("_bucket")
            assert name in exported or family in exported, (
                rule["alert"],
                name,
            )
