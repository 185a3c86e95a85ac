"""Wiring: build the classify use case's collaborators from settings, in one place (the
classifier role, the scoring API and `moderation score` share it)."""

from __future__ import annotations

import logging

from moderation.domain.policy import load_policy
from moderation.scoring.factory import load_scorer
from moderation.service_layer.classify import (
    ArticleLookup,
    Classifier,
    ReaderLookup,
    no_reader_statuses,
)
from moderation.service_layer.legal import NoRiskChecks, RiskChecker
from moderation.settings import ModerationSettings, terms_dir

log = logging.getLogger(__name__)


def build_risk_checker(settings: ModerationSettings) -> RiskChecker:
    if not settings.legal_checks:
        log.warning("legal-risk checks are OFF (MODERATION_LEGAL_CHECKS=false)")
        return NoRiskChecks()
    from moderation.legal.checker import LegalRiskChecker
    from moderation.legal.site_terms import SiteTermLists
    from moderation.text.normalise import lookup_table

    lookup_table()  # build the normalisation table now, not on the first comment
    directory = terms_dir(settings)
    log.info("legal-risk checks on; site term lists from %s", directory)
    return LegalRiskChecker(SiteTermLists(directory), settings.legal_budget_ms_per_comment)


def build_classifier(
    settings: ModerationSettings,
    articles: ArticleLookup,
    readers: ReaderLookup = no_reader_statuses,
) -> Classifier:
    scorer = load_scorer(settings)
    log.info(scorer.describe())
    policy = load_policy(settings.policy_file)
    log.info("policy %s loaded from %s", policy.version, settings.policy_file or "the default")
    return Classifier(
        scorer=scorer,
        policy=policy,
        articles=articles,
        risks=build_risk_checker(settings),
        readers=readers,
    )
