"""The scoring-api role's app: Perspective's comments:analyze and its discovery document,
/v1/moderate (our full decision), Coral's External Moderation Phase, health and metrics.

No comment text is ever logged here: requests are logged by outcome and size only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import Counter, Histogram
from pydantic import BaseModel, Field, ValidationError

from moderation import metrics
from moderation.adapters.api_docs import add_offline_docs
from moderation.adapters.article_table import ArticleTable
from moderation.domain.events import (
    MAX_BODY_CHARS,
    ArticleContext,
    Author,
    CommentSubmitted,
    Reason,
)
from moderation.scoring_api import coral, perspective
from moderation.scoring_api.config import ScoringApiSettings
from moderation.scoring_api.discovery import API_VERSION, discovery_document
from moderation.scoring_api.engine import ScoringEngine
from moderation.scoring_api.keys import KeyRegistry, RateLimiter, SiteLookup, store_lookup
from moderation.scoring_api.perspective import PerspectiveError
from moderation.scoring_api.publishing import Publisher
from moderation.service_layer.classify import Classifier
from moderation.settings import KafkaSettings, ModerationSettings, store_dsn

log = logging.getLogger(__name__)

requests_total = Counter(
    "moderation_scoring_api_requests_total",
    "Scoring API requests, by endpoint and HTTP status",
    ["endpoint", "code"],
)
request_seconds = Histogram(
    "moderation_scoring_api_request_seconds",
    "Time to answer a scoring API request",
    ["endpoint"],
    buckets=metrics.LATENCY_BUCKETS,
)


class ModerateRequest(BaseModel):
    """One comment to decide. `article` (an ArticleContext without site_id) is used instead
    of the table's context for `article_id`; without either, no article-specific legal checks
    run (site term lists still do)."""

    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    article_id: str = Field(default="unknown", min_length=1, max_length=200)
    comment_id: str | None = Field(default=None, max_length=200)
    section: str | None = None
    parent_id: str | None = None
    author_id: str = Field(default="anonymous", min_length=1, max_length=200)
    author_is_staff: bool = False
    revision: int = Field(default=1, ge=1)
    article: dict[str, Any] | None = None


class ModerateResponse(BaseModel):
    comment_id: str
    decision: str
    reasons: list[Reason]
    scores: dict[str, float]
    model: dict[str, str]
    policy_version: str
    article_context: str  # "request", "table" or "none": what the legal checks had
    decided_at: str


def _key_of(request: Request) -> str | None:
    key = request.query_params.get("key") or request.headers.get("x-goog-api-key")
    if key:
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _error(exc: PerspectiveError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.code, headers=headers)


def build_default_classifier(settings: ModerationSettings, table: ArticleTable) -> Classifier:
    """The classifier's own wiring, threads included (all cores unless
    MODERATION_TORCH_THREADS says otherwise). On an idle 2-core machine two model threads
    met the p99 goal at 20 requests/s and one did not; where the cores are shared with other
    busy work, one thread did better (docs/perspective-migration.md, Latency). Scores are
    the same with one thread or two."""
    from moderation.service_layer.bootstrap import build_classifier

    return build_classifier(settings, table.get)


def create_app(
    kafka: KafkaSettings | None = None,
    settings: ModerationSettings | None = None,
    *,
    api: ScoringApiSettings | None = None,
    classifier: Classifier | None = None,
    site_lookup: SiteLookup | None = None,
    coral_sites: coral.CoralSites | None = None,
    table: ArticleTable | None = None,
    publisher: Publisher | None = None,
) -> FastAPI:
    settings = settings or ModerationSettings()
    api = api or ScoringApiSettings()
    table = table if table is not None else ArticleTable()
    classifier = classifier or build_default_classifier(settings, table)
    engine = ScoringEngine(classifier, table.get, api.batch_window_ms, api.batch_max)
    closers: list[Callable[[], Awaitable[None]]] = []
    if site_lookup is None:
        site_lookup, close_store = store_lookup(store_dsn(settings), settings.db_busy_timeout_s)
        closers.append(close_store)
    keys = KeyRegistry(site_lookup, api.key_cache_s)
    limiter = RateLimiter(api.rate_per_minute)
    if coral_sites is None:
        path = api.coral_sites_file or settings.data_dir / "coral-sites.yaml"
        coral_sites = coral.CoralSites.load(path)
        log.info("Coral phase: %d site(s) configured from %s", len(coral_sites.sites), path)
    if publisher is None:
        publisher = Publisher(
            (kafka or KafkaSettings()) if api.kafka else None, table, settings.create_topics
        )
    stats: dict[str, int] = {"analyze": 0, "moderate": 0, "coral": 0, "coral_late": 0}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await engine.start()
        await publisher.start()
        try:
            yield
        finally:
            await publisher.stop()
            await engine.stop()
            for close in closers:
                await close()

    app = FastAPI(
        title="Scoring API",
        description=(
            "Perspective-compatible comment scoring, our full decision for one comment, and "
            "Coral's External Moderation Phase (docs/perspective-migration.md)."
        ),
        # FastAPI's docs pages load from a CDN; add_offline_docs serves them from here.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    add_offline_docs(app)
    app.state.engine = engine
    app.state.publisher = publisher
    app.state.stats = stats

    async def site_for(request: Request) -> tuple[str | None, PerspectiveError | None]:
        key = _key_of(request)
        if not key:
            return None, perspective.missing_key()
        try:
            site = await keys.site_of(key)
        except Exception as exc:
            first_line = (str(exc).splitlines() or [""])[0][:200]
            log.warning("cannot check API keys (%s: %s)", type(exc).__name__, first_line)
            return None, PerspectiveError(
                503,
                "Cannot check API keys: the comment store's database (MODERATION_STORE_DSN) "
                "is not reachable or not migrated yet; retry shortly.",
            )
        if site is None:
            return None, perspective.invalid_key()
        wait = limiter.acquire(key)
        if wait is not None:
            return None, perspective.quota_exceeded(api.rate_per_minute, wait)
        return site, None

    def observe(endpoint: str, code: int, started: float) -> None:
        requests_total.labels(endpoint, str(code)).inc()
        request_seconds.labels(endpoint).observe(time.perf_counter() - started)

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"])
    async def ready(response: Response) -> dict[str, Any]:
        # Scoring needs only the model; Kafka is reported, not required (analyze and
        # moderate work without it, and Coral still gets its answers).
        running = engine.running
        if not running:
            response.status_code = 503
        return {"ready": running, "model_loaded": True, "kafka": publisher.state()}

    @app.get("/metrics", tags=["operations"])
    async def get_metrics() -> Response:
        return metrics.metrics_response()

    @app.get("/stats", tags=["operations"])
    async def get_stats() -> dict[str, Any]:
        return {
            **stats,
            "batches": engine.batches,
            "batched_requests": engine.requests,
            "kafka": publisher.state(),
            **{f"kafka_{k}": v for k, v in publisher.stats.items()},
        }

    @app.get("/$discovery/rest", tags=["perspective"], include_in_schema=True)
    async def discovery(request: Request, version: str = Query(API_VERSION)) -> Response:
        """Google's discovery document for this API, for Google's client libraries."""
        if version != API_VERSION:
            return _error(PerspectiveError(404, f"No API version {version}; try {API_VERSION}."))
        return JSONResponse(discovery_document(str(request.base_url)))

    @app.post(f"/{API_VERSION}/comments:analyze", tags=["perspective"])
    async def analyze(request: Request) -> Response:
        """Perspective's AnalyzeComment: same request, response and errors; our scores."""
        started = time.perf_counter()
        site, refused = await site_for(request)
        if refused is not None:
            observe("analyze", refused.code, started)
            headers = {"Retry-After": "1"} if refused.code == 429 else None
            return _error(refused, headers)
        assert site is not None
        try:
            try:
                raw = await request.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise PerspectiveError(400, "Invalid JSON payload received.") from None
            parsed = perspective.parse_request(raw)
            text = perspective.plain_text(parsed.comment)
            comment = CommentSubmitted(
                comment_id="analyze",
                article_id="analyze",
                site_id=site,
                author=Author(id="analyze"),
                body=text,
            )
            # No article: Perspective has none; a site's policy overrides still apply.
            scored = await engine.score(comment, None)
            if scored.scorer_failed:
                raise PerspectiveError(500, "The model failed on this comment; retry.")
            body = perspective.analyze_response(parsed, scored, text)
        except PerspectiveError as exc:
            observe("analyze", exc.code, started)
            return _error(exc)
        stats["analyze"] += 1
        observe("analyze", 200, started)
        return JSONResponse(body)

    @app.post("/v1/moderate", tags=["decisions"], response_model=ModerateResponse)
    async def moderate(request: Request, payload: ModerateRequest) -> Response:
        """Our decision for one comment: approve or hold, every reason (spans, the sentence a
        moderator reads), scores, model and policy version."""
        started = time.perf_counter()
        site, refused = await site_for(request)
        if refused is not None:
            observe("moderate", refused.code, started)
            return _error(refused)
        assert site is not None
        article: ArticleContext | None = None
        try:
            comment = CommentSubmitted(
                comment_id=payload.comment_id or "moderate",
                article_id=payload.article_id,
                site_id=site,
                section=payload.section,
                parent_id=payload.parent_id,
                revision=payload.revision,
                author=Author(id=payload.author_id, is_staff=payload.author_is_staff),
                body=payload.body,
            )
            if payload.article is not None:
                article = ArticleContext.model_validate(
                    {"article_id": payload.article_id, **payload.article, "site_id": site}
                )
        except ValidationError as exc:
            observe("moderate", 422, started)
            return JSONResponse({"detail": json.loads(exc.json())}, status_code=422)
        scored = await engine.score(comment, article)
        decision = scored.decision
        source = "request" if article is not None else ("table" if scored.article_known else "none")
        stats["moderate"] += 1
        observe("moderate", 200, started)
        answer = ModerateResponse(
            comment_id=decision.comment_id,
            decision=decision.decision.value,
            reasons=decision.reasons,
            scores=decision.scores,
            model=decision.model.model_dump(),
            policy_version=decision.policy_version,
            article_context=source,
            decided_at=decision.decided_at.isoformat(),
        )
        return JSONResponse(answer.model_dump(mode="json"))

    @app.post("/coral/phase", tags=["coral"])
    async def coral_phase(request: Request) -> Response:
        """Coral's External Moderation Phase: signed request in, External Moderation
        Response (or 204) out, within MODERATION_SCORING_CORAL_DEADLINE_MS."""
        started = time.perf_counter()
        raw = await request.body()
        try:
            payload = json.loads(raw)
            coral_site_id = payload["site"]["id"]
        except (ValueError, KeyError, TypeError):
            observe("coral", 400, started)
            return JSONResponse({"error": "not an External Moderation Request"}, 400)
        site = coral_sites.for_coral_site(str(coral_site_id))
        if site is None:
            observe("coral", 403, started)
            return JSONResponse(
                {"error": "this Coral site is not configured here (coral-sites.yaml)"}, 403
            )
        if not coral.signature_valid(
            raw, request.headers.get(coral.SIGNATURE_HEADER), site.signing_secrets
        ):
            observe("coral", 401, started)
            log.warning("Coral phase request for site %s with a bad signature", site.site_id)
            return JSONResponse({"error": f"bad or missing {coral.SIGNATURE_HEADER}"}, 401)
        try:
            phase = coral.PhaseRequest.model_validate(payload)
            comment = coral.to_comment(phase, site)
        except ValidationError as exc:
            observe("coral", 400, started)
            return JSONResponse({"error": json.loads(exc.json())}, 400)
        article = table.get(phase.story.id)
        if article is None and phase.story.url:
            article = table.get(phase.story.url)
        deciding = asyncio.ensure_future(engine.score(comment, article))
        publisher.publish_later(comment, deciding)
        stats["coral"] += 1
        deadline_s = api.coral_deadline_ms / 1000 - (time.perf_counter() - started)
        try:
            scored = await asyncio.wait_for(asyncio.shield(deciding), max(deadline_s, 0.001))
        except Exception:  # late, or failed: fail closed
            stats["coral_late"] += 1
            observe("coral", 200, started)
            return JSONResponse(coral.withheld_for_time(api.coral_deadline_ms))
        answer = coral.phase_response(scored.decision, api.coral_approve)
        if answer is None:
            observe("coral", 204, started)
            return Response(status_code=204)
        observe("coral", 200, started)
        return JSONResponse(answer)

    return app
