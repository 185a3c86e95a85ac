"""Settings from the environment. Every setting has a default that works on a laptop."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    """Connection to the Kafka cluster (KAFKA_* variables)."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    # Off by default because the embedded dev broker rejects InitProducerId; turn it on for
    # Apache Kafka (deploy/ does).
    enable_idempotence: bool = False
    acks: Literal["all", "1", "0"] = "all"
    linger_ms: int = 2
    client_id: str = "news-moderation"
    # How often clients refresh metadata: how soon a recreated topic or a new partition is
    # seen.
    metadata_max_age_ms: int = 10_000
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None


class ModerationSettings(BaseSettings):
    """Behaviour of the services (MODERATION_* variables)."""

    model_config = SettingsConfigDict(env_prefix="MODERATION_", extra="ignore")

    data_dir: Path = Path("var")
    policy_file: Path | None = None
    # "news": the shipped fine-tuned MiniLM (int8 ONNX, docs/models.md); "baseline": the
    # TF-IDF model, about ten times faster and much weaker; the rest serve Detoxify weights.
    scorer: Literal["news", "baseline", "detoxify", "onnx", "onnx-int8"] = "news"
    baseline_model: Path | None = None
    news_model: Path | None = None
    # True: windows the news model's lower half finds clearly harmless skip its upper half,
    # 1.1-1.3x the throughput for almost the same decisions at the default thresholds; their
    # scores become estimates (docs/models.md, "Early exit").
    news_early_exit: bool = False
    # Detoxify: converted weights live in <model_dir>/<variant> (`moderation models fetch`).
    model_dir: Path = Path("models")
    model_variant: str = "original"
    device: str = "cpu"
    dtype: Literal["fp32", "bf16", "fp16"] = "fp32"
    torch_threads: int | None = None
    # Padded tokens per forward pass; bigger batches are cut into micro-batches. Unset: 1,024
    # on CPU (fastest for bert-base on 2 cores: 17 vs 12 comments/s at 4,096) and 65,536 on
    # CUDA (fastest on an H200: 13,300 comments/s in bf16, against 12,000 at 262,144).
    max_tokens_per_batch: int | None = Field(default=None, ge=512)
    # A batch is whatever the broker has ready, up to this many records: low latency when
    # traffic is light, amortised scoring when it is heavy.
    batch_max_records: int = Field(default=500, ge=1)
    batch_timeout_ms: int = Field(default=20, ge=1)
    # Score in a worker thread so the event loop stays free: /health and /ready answer and
    # the consumer keeps fetching however long a batch takes. On a 2-core box it cost 3 %
    # throughput; set false only where that matters more than a responsive worker.
    score_in_thread: bool = True
    # How long the broker may hold a fetch open waiting for data: the floor of idle latency.
    fetch_max_wait_ms: int = Field(default=10, ge=0)
    # Site term lists (<site_id>.yaml, default.yaml); default: <data_dir>/terms.
    terms_dir: Path | None = None
    legal_checks: bool = True
    # A batch whose legal check takes longer than this per comment is held (fail closed).
    legal_budget_ms_per_comment: float = Field(default=20.0, gt=0)
    # Databases of the services that own data; default: SQLite files under data_dir.
    store_dsn: str | None = None
    queue_dsn: str | None = None
    # How long a SQLite writer waits for a lock before the batch is retried later.
    db_busy_timeout_s: float = Field(default=30.0, gt=0)
    # A consumer whose batch has failed (and been retried) for longer than this reports
    # not ready, so an orchestrator or an operator notices a stalled role.
    stuck_after_s: float = Field(default=60.0, gt=0)
    # The classifier's article table on disk (a memory-only broker forgets articles.context
    # when it restarts); default: <data_dir>/articles.db.
    article_snapshot: Path | None = None
    # The comment store publishes again a comment still `pending` this long after it was
    # submitted (lost by a restarted broker, or never decided), then again every as long.
    pending_republish_after_s: float = Field(default=300.0, gt=0)
    # The queue keeps each reader's recent comments (the reader panel) this many days; older
    # ones are pruned, their counts stay.
    reader_history_days: int = Field(default=90, ge=1)
    # Session cookies only over HTTPS; turn on wherever the queue is served over TLS.
    cookie_secure: bool = False
    log_level: str = "INFO"
    log_json: bool = False
    # Roles create missing topics at start-up (handy with the memory-only dev broker);
    # production manifests turn this off and let Strimzi own the topics.
    create_topics: bool = True


def store_dsn(settings: ModerationSettings) -> str:
    from moderation.db import sqlite_dsn

    return settings.store_dsn or sqlite_dsn(settings.data_dir.resolve() / "store.db")


def queue_dsn(settings: ModerationSettings) -> str:
    from moderation.db import sqlite_dsn

    return settings.queue_dsn or sqlite_dsn(settings.data_dir.resolve() / "queue.db")


def article_snapshot(settings: ModerationSettings) -> Path:
    return settings.article_snapshot or settings.data_dir.resolve() / "articles.db"


def terms_dir(settings: ModerationSettings) -> Path:
    return settings.terms_dir or settings.data_dir / "terms"


class HttpSettings(BaseSettings):
    """Where a role serves health, readiness and metrics (and its UI or API, if it has one)."""

    model_config = SettingsConfigDict(env_prefix="MODERATION_HTTP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int | None = None  # None: the role's default port (see moderation/roles.py)
    # Proxies whose X-Forwarded-For names the client (comma-separated, "*" for any). Behind
    # an ingress, trust it, or every client has the ingress's address and the login limiter
    # counts them all as one.
    forwarded_allow_ips: str = "127.0.0.1"


def default_max_tokens(device: str) -> int:
    return 65_536 if device.startswith("cuda") else 1_024


def max_tokens_per_batch(settings: ModerationSettings) -> int:
    return settings.max_tokens_per_batch or default_max_tokens(settings.device)
