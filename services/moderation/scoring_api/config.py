"""Settings of the scoring-api role (MODERATION_SCORING_* variables)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ScoringApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MODERATION_SCORING_", extra="ignore")

    # Requests arriving within this window go to the worker thread together.
    batch_window_ms: float = Field(default=3.0, ge=0)
    batch_max: int = Field(default=64, ge=1)
    # Per API key; Perspective's own default quota was 60 a minute, its largest granted
    # quotas 6,000. 0 turns the limit off.
    rate_per_minute: int = Field(default=6000, ge=0)
    # How long a key's site (or its absence) is remembered: a revoked key stops working
    # within this many seconds.
    key_cache_s: float = Field(default=30.0, ge=0)
    # Publish Coral's comments and our decisions to Kafka, and follow articles.context for
    # the legal checks. Off: the role needs no broker, and says so at start-up.
    kafka: bool = True
    # Coral sites: our site id -> Coral site ids and the phase's signing secrets (YAML).
    # Default: <data dir>/coral-sites.yaml.
    coral_sites_file: Path | None = None
    # Answer Coral within this long (keep it under the phase's timeout in Coral's admin);
    # past it the comment is withheld (fail closed) and decided in the background.
    coral_deadline_ms: float = Field(default=400.0, gt=0)
    # What an approved comment answers Coral: "NONE" (204: Coral's own settings decide, as
    # with its Perspective integration) or "APPROVED" (published at once).
    coral_approve: str = Field(default="NONE", pattern="^(NONE|APPROVED)$")
