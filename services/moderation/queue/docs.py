"""The queue's API docs, behind the login."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from moderation.queue.dependencies import User

router = APIRouter()


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request, user: User) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs", include_in_schema=False)
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
