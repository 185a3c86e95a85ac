"""The moderator-queue role: consumes held decisions, serves the web UI, publishes reviews
(through an outbox, so a review is never lost between the database and the broker)."""

# No `from __future__ import annotations`: FastAPI must see the dependency types that
# create_app defines locally.
import asyncio
import contextlib
import json
import logging
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, HTTPException, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from faststream.kafka import KafkaMessage
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from moderation import metrics
from moderation.adapters.article_table import ArticleTable, ArticleTableReader
from moderation.adapters.batch_loop import Applied, BatchLoop
from moderation.adapters.kafka import (
    connection_options,
    make_broker,
)
from moderation.adapters.record_parsing import batch_subscriber
from moderation.db import make_engine, migrate, utc
from moderation.domain.events import CommentModerated, ReviewOutcome
from moderation.domain.labels import CATEGORY_OF_REASON, ReasonCategory, ReasonCode, ReviewReason
from moderation.entrypoints.runtime import RoleRuntime
from moderation.queue import auth
from moderation.queue import repository as repo
from moderation.queue.highlight import segments
from moderation.queue.live import LiveUpdates
from moderation.queue.tables import USERNAME_MAX
from moderation.roles import MODERATOR_QUEUE
from moderation.settings import KafkaSettings, ModerationSettings, queue_dsn
from moderation.topics import MODERATION_DECISIONS

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
REJECT_REASONS = [r.value for r in ReviewReason if r != ReviewReason.APPROVED]
FILTER_CATEGORIES = [c.value for c in ReasonCategory]
SECURITY_HEADERS = {
    # No inline script or style can run, so even a missed escape could not execute.
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


class NotLoggedIn(Exception):
    pass


# /login?error=CODE shows one of these, never text from the URL (a link could carry any).
LOGIN_ERRORS = {"wrong": "Wrong username or password."}


class RejectBody(BaseModel):
    reason_code: ReviewReason = ReviewReason.OTHER
    note: str | None = Field(default=None, max_length=2000)


class BulkItem(BaseModel):
    comment_id: str
    revision: int


class BulkBody(BaseModel):
    action: str = Field(pattern="^(approve|reject)$")
    items: list[BulkItem] = Field(min_length=1, max_length=200)
    reason_code: ReviewReason = ReviewReason.OTHER
    note: str | None = Field(default=None, max_length=2000)


def _local_path(target: str) -> str:
    """Where to go after logging in: a path on this site only ("//host" is another site)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _age(decided_at: datetime, now: datetime) -> str:
    return _duration(int((now - utc(decided_at)).total_seconds())) + " ago"


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def create_app(
    kafka: KafkaSettings | None = None, settings: ModerationSettings | None = None
) -> FastAPI:
    kafka = kafka or KafkaSettings()
    settings = settings or ModerationSettings()
    engine: AsyncEngine = make_engine(queue_dsn(settings), settings.db_busy_timeout_s)
    broker = make_broker(kafka)
    articles = ArticleTable()
    reader = ArticleTableReader(articles, connection_options(kafka))
    live = LiveUpdates()
    limiter = auth.LoginRateLimiter()
    outbox_wakeup = asyncio.Event()
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape on for .html

    async def add_held(decisions: list[CommentModerated]) -> Applied:
        async with engine.begin() as conn:
            return Applied([await repo.add_held(conn, d, _title(d.article_id)) for d in decisions])

    held_loop = BatchLoop(
        "moderator-queue",
        broker,
        CommentModerated,
        add_held,
        stuck_after_s=settings.stuck_after_s,
    )

    @batch_subscriber(
        broker,
        MODERATION_DECISIONS.name,
        group_id=MODERATOR_QUEUE.group,
        settings=settings,
        title="moderator-queue",
    )
    async def queue_held(body: list[bytes], message: KafkaMessage) -> None:
        outcome = await held_loop.run(message)
        if outcome is None:
            return
        for decision, added in zip(outcome.events, outcome.results, strict=True):
            if added:
                live.publish(
                    "held", {"comment_id": decision.comment_id, "revision": decision.revision}
                )

    def _title(article_id: str) -> str | None:
        context = articles.get(article_id)
        return context.title if context else None

    async def publish_outbox() -> None:
        """Reviews committed with their queue action go to the broker from here."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(outbox_wakeup.wait(), timeout=1.0)
            outbox_wakeup.clear()
            try:
                async with engine.begin() as conn:
                    pending = await repo.unsent_reviews(conn)
                if not pending:
                    continue
                for row in pending:
                    await broker.publish(
                        row["payload"].encode(),
                        row["topic"],
                        key=row["key"].encode(),
                        headers={"content-type": "application/json"},
                    )
                async with engine.begin() as conn:
                    await repo.mark_sent(conn, [row["id"] for row in pending])
                for row in pending:
                    outcome = json.loads(row["payload"])["outcome"]
                    metrics.reviews_published.labels(outcome).inc()
            except Exception as exc:
                log.warning("reviews not published yet (%s); retrying", exc)
                await asyncio.sleep(1.0)

    async def migrate_queue() -> None:
        await migrate(engine, "queue")

    runtime = RoleRuntime(
        "moderator-queue",
        kafka,
        settings,
        broker,
        MODERATOR_QUEUE.group,
        [MODERATION_DECISIONS.name],
    )
    app = FastAPI(
        title="Moderator queue",
        # Served below, behind the login: the API's shape is nobody else's business.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=runtime.lifespan(
            before_serving=(migrate_queue,),
            before_consuming=(reader.start,),
            after_consuming=(publish_outbox,),
            on_stop=(reader.stop, engine.dispose),
        ),
    )

    app.state.login_limiter = limiter
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, exc: NotLoggedIn) -> Response:
        if request.url.path.startswith("/api/") or request.url.path == "/events":
            return JSONResponse({"detail": "log in first"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    async def current_user(request: Request) -> auth.Moderator:
        async with engine.connect() as conn:
            user = await auth.session_user(conn, request.cookies.get(auth.SESSION_COOKIE))
        if user is None:
            raise NotLoggedIn
        return user

    async def csrf_user(
        request: Request, user: Annotated[auth.Moderator, Depends(current_user)]
    ) -> auth.Moderator:
        given = request.headers.get(auth.CSRF_HEADER)
        if given is None and request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            given = str((await request.form()).get("csrf_token") or "")
        if not auth.csrf_matches(user.csrf_token, given):
            raise HTTPException(403, "missing or wrong CSRF token: reload the page")
        return user

    User = Annotated[auth.Moderator, Depends(current_user)]
    CsrfUser = Annotated[auth.Moderator, Depends(csrf_user)]

    def set_cookie(response: Response, name: str, value: str, **options: Any) -> None:
        response.set_cookie(
            name, value, httponly=True, samesite="strict", secure=settings.cookie_secure, **options
        )

    async def refresh_queue_gauges() -> None:
        async with engine.connect() as conn:
            stats = await repo.queue_stats(conn)
        metrics.queue_depth.set(stats["depth"])
        metrics.queue_oldest_age.set(stats["oldest_age_s"])

    runtime.add_operations_routes(app, before_metrics=refresh_queue_gauges)

    # ---------------------------------------------------------------- login
    @app.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, next: str = "/", error: str = "") -> Any:
        token = secrets.token_urlsafe(24)
        response = templates.TemplateResponse(
            request,
            "login.html",
            {
                "user": None,
                "csrf_token": token,
                "next": _local_path(next),
                "error": LOGIN_ERRORS.get(error),
            },
        )
        set_cookie(response, auth.LOGIN_CSRF_COOKIE, token, path="/login")
        return response

    @app.post("/login")
    async def login(
        request: Request,
        username: Annotated[str, Form(max_length=USERNAME_MAX)],
        password: Annotated[str, Form(max_length=auth.PASSWORD_MAX)],
        csrf_token: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        if not auth.csrf_matches(request.cookies.get(auth.LOGIN_CSRF_COOKIE), csrf_token):
            raise HTTPException(403, "the login form expired: reload the page and try again")
        client = request.client.host if request.client else "unknown"
        wait = limiter.begin(username, client)  # before the check: parallel guesses count too
        if wait:
            return JSONResponse(
                {"detail": f"too many failed logins: try again in {wait} s"},
                status_code=429,
                headers={"retry-after": str(wait)},
            )
        async with engine.begin() as conn:
            role = await auth.authenticate(conn, username, password)
            token = await auth.start_session(conn, username) if role else None
        if token is None:
            return RedirectResponse(f"/login?error=wrong&next={quote(next)}", status_code=303)
        limiter.succeeded(username, client)
        response = RedirectResponse(_local_path(next), status_code=303)
        set_cookie(
            response, auth.SESSION_COOKIE, token, max_age=int(auth.SESSION_LIFETIME.total_seconds())
        )
        return response

    @app.post("/logout")
    async def logout(request: Request, user: CsrfUser) -> Response:
        token = request.cookies.get(auth.SESSION_COOKIE, "")
        async with engine.begin() as conn:
            await auth.end_session(conn, token)
        live.close(auth.session_id(token))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE)
        return response

    # ---------------------------------------------------------------- pages
    def _view(row: Any, now: datetime) -> dict[str, Any]:
        reasons = [
            {**r, "category": CATEGORY_OF_REASON[ReasonCode(r["code"])].value}
            for r in row["reasons"]
        ]
        claim_until = utc(row["claim_expires_at"]) if row["claim_expires_at"] else None
        return {
            **row,
            "article_title": row["article_title"] or _title(row["article_id"]) or row["article_id"],
            "segments": segments(row["body"], row["reasons"]),
            "reasons": reasons,
            "scores": sorted(row["scores"].items(), key=lambda kv: -kv[1]),
            "age": _age(row["decided_at"], now),
            "claim_active": bool(claim_until and claim_until > now),
            "claim_until": claim_until.strftime("%H:%M:%S UTC") if claim_until else "",
        }

    @app.get("/", response_class=HTMLResponse)
    async def queue_page(
        request: Request,
        user: User,
        category: str = "",
        site: str = "",
        section: str = "",
        article: str = "",
        order: str = "newest",
    ) -> Any:
        filters = repo.Filters(
            category or None,
            site or None,
            section or None,
            article or None,
            newest_first=order != "oldest",
        )
        now = datetime.now(UTC)
        async with engine.connect() as conn:
            rows = await repo.open_items(conn, filters)
        return templates.TemplateResponse(
            request,
            "queue.html",
            {
                "user": user,
                "items": [_view(r, now) for r in rows],
                "filters": filters,
                "categories": FILTER_CATEGORIES,
                "reject_reasons": REJECT_REASONS,
            },
        )

    # `:path`: comment ids are the site's own and may contain "/".
    @app.get("/items/{comment_id:path}/{revision}", response_class=HTMLResponse)
    async def item_fragment(request: Request, comment_id: str, revision: int, user: User) -> Any:
        async with engine.connect() as conn:
            row = await repo.get_item(conn, repo.ItemKey(comment_id, revision))
        if row is None or row["status"] != repo.OPEN:
            raise HTTPException(404, "not in the queue")
        return templates.TemplateResponse(
            request,
            "item.html",
            {
                "user": user,
                "item": _view(row, datetime.now(UTC)),
                "reject_reasons": REJECT_REASONS,
            },
        )

    @app.get("/audit", response_class=HTMLResponse)
    async def audit_page(request: Request, user: User) -> Any:
        async with engine.connect() as conn:
            stats = await repo.queue_stats(conn)
            entries = await repo.audit_entries(conn)
        stats["oldest_age"] = _duration(stats["oldest_age_s"]) if stats["depth"] else "—"
        return templates.TemplateResponse(
            request,
            "audit.html",
            {
                "user": user,
                "stats": stats,
                "entries": [
                    {**e, "at": utc(e["at"]).strftime("%Y-%m-%d %H:%M:%S")} for e in entries
                ],
            },
        )

    @app.get("/events")
    async def events(request: Request, user: User) -> StreamingResponse:
        token = request.cookies.get(auth.SESSION_COOKIE, "")

        async def session_alive() -> bool:
            async with engine.connect() as conn:
                return await auth.session_user(conn, token) is not None

        return StreamingResponse(
            live.stream(auth.session_id(token), session_alive),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache"},
        )

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(user: User) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    async def docs(user: User) -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url="/openapi.json", title="Moderator queue API")
        # Swagger UI is a script from its CDN plus an inline starter; this page shows no
        # comment text, so it alone may run them.
        page.headers["content-security-policy"] = (
            "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: "
            "https://fastapi.tiangolo.com; frame-ancestors 'none'"
        )
        return page

    # ---------------------------------------------------------------- actions (JSON API)
    def _answer(result: repo.ActionResult) -> JSONResponse:
        if result.outcome == repo.Outcome.DONE:
            return JSONResponse({"ok": True})
        status = 404 if result.outcome == repo.Outcome.NOT_FOUND else 409
        return JSONResponse({"ok": False, "detail": result.message}, status_code=status)

    async def _resolve(
        key: repo.ItemKey,
        user: auth.Moderator,
        outcome: ReviewOutcome,
        reason: ReviewReason,
        note: str | None,
    ) -> repo.ActionResult:
        async with engine.begin() as conn:
            result = await repo.resolve(conn, key, user.username, outcome, reason, note)
        if result.outcome == repo.Outcome.DONE:
            outbox_wakeup.set()
            live.publish("resolved", {"comment_id": key.comment_id, "revision": key.revision})
        return result

    @app.post("/api/items/{comment_id:path}/{revision}/claim")
    async def claim(comment_id: str, revision: int, user: CsrfUser) -> JSONResponse:
        async with engine.begin() as conn:
            return _answer(
                await repo.claim(conn, repo.ItemKey(comment_id, revision), user.username)
            )

    @app.post("/api/items/{comment_id:path}/{revision}/release")
    async def release(comment_id: str, revision: int, user: CsrfUser) -> JSONResponse:
        async with engine.begin() as conn:
            return _answer(
                await repo.release(conn, repo.ItemKey(comment_id, revision), user.username)
            )

    @app.post("/api/items/{comment_id:path}/{revision}/approve")
    async def approve(comment_id: str, revision: int, user: CsrfUser) -> JSONResponse:
        return _answer(
            await _resolve(
                repo.ItemKey(comment_id, revision),
                user,
                ReviewOutcome.APPROVED,
                ReviewReason.APPROVED,
                None,
            )
        )

    @app.post("/api/items/{comment_id:path}/{revision}/reject")
    async def reject(
        comment_id: str, revision: int, body: RejectBody, user: CsrfUser
    ) -> JSONResponse:
        if body.reason_code == ReviewReason.APPROVED:
            raise HTTPException(422, f"choose a reject reason: {', '.join(REJECT_REASONS)}")
        return _answer(
            await _resolve(
                repo.ItemKey(comment_id, revision),
                user,
                ReviewOutcome.REJECTED,
                body.reason_code,
                body.note,
            )
        )

    @app.post("/api/bulk")
    async def bulk(body: BulkBody, user: CsrfUser) -> dict[str, Any]:
        outcome = ReviewOutcome.APPROVED if body.action == "approve" else ReviewOutcome.REJECTED
        reason = ReviewReason.APPROVED if body.action == "approve" else body.reason_code
        if body.action == "reject" and reason == ReviewReason.APPROVED:
            raise HTTPException(422, "choose a reject reason")
        results = []
        for item in body.items:
            result = await _resolve(
                repo.ItemKey(item.comment_id, item.revision), user, outcome, reason, body.note
            )
            results.append(
                {
                    "comment_id": item.comment_id,
                    "revision": item.revision,
                    "ok": result.outcome == repo.Outcome.DONE,
                    "detail": result.message,
                }
            )
        return {"results": results}

    @app.get("/api/stats")
    async def stats(user: User) -> dict[str, Any]:
        async with engine.connect() as conn:
            return await repo.queue_stats(conn)

    return app
