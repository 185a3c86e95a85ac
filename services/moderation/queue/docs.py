"""The queue's API docs, behind the login and under the queue's own CSP like every other
page: Swagger UI's files are served from this machine (adapters/api_docs.py), behind the
login too, and its starter is a file, not an inline script."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from moderation.adapters import api_docs
from moderation.queue.dependencies import User

router = APIRouter()


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request, user: User) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs", include_in_schema=False)
async def docs(user: User) -> HTMLResponse:
    return api_docs.swagger_page("Moderator queue API", "/openapi.json")


@router.get(api_docs.ASSETS_URL + "/{name}", include_in_schema=False)
async def docs_asset(name: str, user: User) -> FileResponse:
    return api_docs.asset(name)
