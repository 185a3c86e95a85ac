"""The API docs render with no internet: the comment store's, the scoring API's and the
moderator queue's Swagger UI (and the public APIs' ReDoc) in Debian's Chromium, with every
request to a host other than this machine refused and recorded. The queue's docs answer only
after a login, and run under the queue's own CSP."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from moderation.adapters.embedded_broker import EmbeddedBroker
from moderation.adapters.processes import RoleProcess
from moderation.queue.app import SECURITY_HEADERS
from tests.e2e.test_queue_browser import CHROMIUM, CHROMIUM_ARGS, playwright_api
from tests.queue_helpers import PASSWORD, add_user_with_cli
from tests.roles import ARTIFACTS, start_role

pytestmark = pytest.mark.e2e
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture(scope="module")
def roles(broker: EmbeddedBroker) -> Iterator[dict[str, RoleProcess]]:
    data = Path(tempfile.mkdtemp(prefix="moderation-docs-e2e-"))
    add_user_with_cli(data, "maria")
    env = {"MODERATION_DATA_DIR": str(data)}
    started: dict[str, RoleProcess] = {}
    try:
        for role in ("comment-store", "scoring-api", "moderator-queue"):
            started[role] = start_role(broker, role, name=f"docs-{role}", **env)
        yield started
    finally:
        for process in started.values():
            process.stop()


async def offline_context(browser, refused: list[str]):
    """A browser context that behaves as if there were no internet: anything not on this
    machine is aborted (and written down, so a test can say what a page tried to load)."""
    context = await browser.new_context()

    async def route(route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    await context.route("**/*", route)
    return context


async def swagger_shows(page, url: str, operation_path: str) -> None:
    await page.goto(url)
    operation = page.locator(".opblock .opblock-summary-path", has_text=operation_path)
    await operation.first.wait_for(timeout=30_000)
    assert await page.locator(".opblock").count() >= 3


@pytest.mark.parametrize(
    "role,operation,summary",
    [
        ("comment-store", "/articles/{article_id}/comments", "Get Stats"),
        ("scoring-api", "/health", "Health"),
    ],
)
async def test_public_api_docs_render_offline(roles, role, operation, summary):
    process = roles[role]
    refused: list[str] = []
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await offline_context(browser, refused)
        page = await context.new_page()
        await swagger_shows(page, process.url + "/docs", operation)
        await page.screenshot(path=str(ARTIFACTS / f"docs-{role}.png"))

        await page.goto(process.url + "/redoc")
        # ReDoc shows each operation's summary as a heading once the spec has loaded.
        await page.locator("h2", has_text=summary).first.wait_for(timeout=30_000)
        await page.screenshot(path=str(ARTIFACTS / f"redoc-{role}.png"))
        await browser.close()
    assert refused == []


async def test_queue_docs_need_a_login_and_keep_the_csp(roles):
    queue = roles["moderator-queue"]
    async with httpx.AsyncClient(base_url=queue.url) as anonymous:
        for path in ("/docs", "/openapi.json", "/docs-assets/swagger-ui-bundle.js"):
            response = await anonymous.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login")

    refused: list[str] = []
    csp_errors: list[str] = []
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await offline_context(browser, refused)
        page = await context.new_page()
        page.on(
            "console",
            lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
        )
        await page.goto(queue.url + "/login?next=/docs")
        await page.fill('input[name="username"]', "maria")
        await page.fill('input[name="password"]', PASSWORD)
        await page.click('button[type="submit"]')
        await page.wait_for_url(queue.url + "/docs")
        response = await page.reload()
        assert response is not None
        csp = response.headers["content-security-policy"]
        assert csp == SECURITY_HEADERS["content-security-policy"]
        assert "unsafe-inline" not in csp
        await swagger_shows(page, queue.url + "/docs", "/api/stats")
        await page.screenshot(path=str(ARTIFACTS / "docs-moderator-queue.png"))
        await browser.close()
    assert refused == []
    assert csp_errors == []
