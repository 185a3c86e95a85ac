"""The HTTP APIs' docs pages (Swagger UI and ReDoc) served with their scripts from this
machine, not a CDN: the product runs in-house, often without internet, where CDN-loaded
docs are blank. The scripts come from the fastapi-offline package (Swagger UI, Apache-2.0;
ReDoc, MIT); the pages run no inline script, so they also work under a strict CSP."""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

ASSETS_URL = "/docs-assets"
_BUNDLED = Path(fastapi_offline.__file__).resolve().parent / "static"
_OURS = Path(__file__).resolve().parent / "docs_assets"
# Only these names are served: the route takes a name from the URL.
ASSETS = {
    "swagger-ui-bundle.js": (_BUNDLED / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (_BUNDLED / "swagger-ui.css", "text/css"),
    "redoc.standalone.js": (_BUNDLED / "redoc.standalone.js", "text/javascript"),
    "favicon.png": (_BUNDLED / "favicon.png", "image/png"),
    "swagger-starter.js": (_OURS / "swagger-starter.js", "text/javascript"),
}
# The public APIs' docs pages keep every load on this machine: ReDoc's footer logo, for one,
# is an image from Redocly's CDN, refused here instead of waiting on a network that may not
# be there. ReDoc styles with <style> elements and searches in a blob: worker.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(404)
    path, media_type = ASSETS[name]
    # The files change only with the package: a day's caching spares a megabyte a view.
    return FileResponse(path, media_type=media_type, headers={"cache-control": "max-age=86400"})


def swagger_page(title: str, openapi_url: str) -> HTMLResponse:
    return HTMLResponse(
        f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<link rel="icon" href="{ASSETS_URL}/favicon.png">
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_URL}/swagger-starter.js"></script>
</body>
</html>"""
    )


def redoc_page(title: str, openapi_url: str) -> HTMLResponse:
    # ReDoc's script renders every <redoc spec-url> element it finds: no starter needed.
    return HTMLResponse(
        f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="{ASSETS_URL}/favicon.png">
</head>
<body>
<redoc spec-url="{escape(openapi_url)}"></redoc>
<script src="{ASSETS_URL}/redoc.standalone.js"></script>
</body>
</html>"""
    )


def add_offline_docs(app: FastAPI) -> None:
    """/docs and /redoc for a public API whose app was made with docs_url=None and
    redoc_url=None (FastAPI's own pages load their scripts from a CDN)."""
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(ASSETS_URL + "/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> FileResponse:
        return asset(name)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        page = swagger_page(f"{app.title} · API docs", openapi_url)
        page.headers["content-security-policy"] = DOCS_CSP
        return page

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        page = redoc_page(f"{app.title} · API reference", openapi_url)
        page.headers["content-security-policy"] = DOCS_CSP
        return page
