"""The audit page in Debian's Chromium against a real moderator-queue process: the comment's
text and its links, the filters, the CSV download, times in the viewer's zone, and a phone's
width. The queue's database is seeded directly (tests/integration/test_audit_queries.py)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from moderation.adapters.embedded_broker import EmbeddedBroker
from moderation.adapters.processes import RoleProcess
from moderation.db import make_engine
from moderation.settings import queue_dsn
from tests.e2e.test_queue_browser import CHROMIUM, CHROMIUM_ARGS, playwright_api
from tests.integration.test_audit_queries import FORMULA_BODY, LONG_BODY, NOTE, seed_audit
from tests.queue_helpers import PASSWORD, prepare_queue_db
from tests.roles import ARTIFACTS, start_role

pytestmark = pytest.mark.e2e
ZONE = "America/New_York"


@pytest.fixture(scope="module")
def queue(broker: EmbeddedBroker, tmp_path_factory) -> Iterator[RoleProcess]:
    data = tmp_path_factory.mktemp("audit")
    settings = prepare_queue_db(Path(data), [])

    async def seed() -> None:
        engine = make_engine(queue_dsn(settings))
        async with engine.begin() as conn:
            await seed_audit(conn)
        await engine.dispose()

    asyncio.run(seed())
    process = start_role(
        broker, "moderator-queue", name="audit-queue", MODERATION_DATA_DIR=str(data)
    )
    yield process
    process.stop()


async def logged_in_page(browser, queue: RoleProcess, **context_options):
    context = await browser.new_context(
        timezone_id=ZONE, locale="en-US", accept_downloads=True, **context_options
    )
    page = await context.new_page()
    await page.goto(queue.url + "/login?next=/audit")
    await page.fill('input[name="username"]', "alice")
    await page.fill('input[name="password"]', PASSWORD)
    await page.click('button[type="submit"]')
    await page.wait_for_url(queue.url + "/audit")
    return page


async def shown_actions(page) -> list[str]:
    return await page.locator("#audit-table tbody .action").all_inner_texts()


async def apply_filter(page, **fields: str) -> None:
    form = page.locator("#audit-filters")
    for name, value in fields.items():
        if name in ("moderator", "action"):
            await form.locator(f'select[name="{name}"]').select_option(value)
        else:
            await form.locator(f'input[name="{name}"]').fill(value)
    async with page.expect_navigation():
        await form.get_by_role("button", name="Filter").click()


async def test_audit_page_in_the_browser(queue):
    problems: list[str] = []
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await logged_in_page(browser, queue, viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        await page.reload()

        # Claims and releases are hidden until asked for.
        assert await shown_actions(page) == ["ban_reader", "rejected", "approved"]
        assert "Entries 1–3 of 3" in await page.locator("#audit-count").inner_text()

        approved = page.locator("#audit-table tbody tr").nth(2)
        details = approved.locator("details")
        assert (await details.locator("summary").inner_text()).startswith("Honestly, this council")
        full = details.locator(".full")
        assert not await full.is_visible()
        await details.locator("summary").click()
        assert await full.inner_text() == LONG_BODY
        assert await approved.locator(".note").inner_text() == NOTE

        reader = approved.locator("a.reader")
        assert await reader.inner_text() == "Anna R."
        assert await reader.get_attribute("href") == "/?site=site&author=r-anna"
        article = approved.locator("a.article")
        assert await article.inner_text() == "Council fails the town"
        assert await article.get_attribute("href") == "https://news.example/council"
        assert await article.get_attribute("target") == "_blank"
        assert await article.get_attribute("rel") == "noopener noreferrer"
        rejected = page.locator("#audit-table tbody tr").nth(1)
        assert await rejected.locator(".full").inner_text() == FORMULA_BODY
        assert (
            await rejected.locator("a.reader").get_attribute("href") == "/?site=site&author=r-bob"
        )

        # 10:00 UTC on 1 March is 05:00 in New York (EST); the UTC time stays as the tooltip.
        when = approved.locator("time")
        assert await when.get_attribute("datetime") == "2026-03-01T10:00:00Z"
        assert await when.inner_text() == "2026-03-01 05:00:00 EST"
        assert await when.get_attribute("title") == "2026-03-01 10:00:00 UTC"
        await page.screenshot(path=str(ARTIFACTS / "audit.png"), full_page=True)

        await apply_filter(page, moderator="bob")
        assert await shown_actions(page) == ["ban_reader", "rejected"]
        await apply_filter(page, action="ban_reader")
        assert await shown_actions(page) == ["ban_reader"]
        await apply_filter(page, moderator="", action="")
        await page.locator('#audit-filters input[name="claims"]').check()
        await apply_filter(page, **{"from": "2026-03-02", "to": "2026-03-02"})
        # UTC days: the claim at 23:59:59 on the 1st is outside, the release at 00:00:01 in.
        assert await shown_actions(page) == ["rejected", "release"]
        per_day = await page.locator("#per-day tbody tr").all_inner_texts()
        assert [" ".join(r.split()) for r in per_day] == ["2026-03-02 alice 1", "2026-03-02 bob 1"]

        # The CSV is the filtered list, formula-safe.
        await apply_filter(page, moderator="bob", **{"from": "", "to": ""})
        async with page.expect_download() as info:
            await page.locator("#audit-csv").click()
        download = await info.value
        text = Path(await download.path()).read_bytes().decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["action"] for r in rows] == ["ban_reader", "rejected"]
        assert rows[1]["body"] == "'" + FORMULA_BODY and rows[1]["note"] == "'-2 points"
        assert download.suggested_filename.startswith("audit-")
        await page.context.close()

        # A phone: the table becomes cards and nothing scrolls sideways.
        phone = await logged_in_page(browser, queue, viewport={"width": 390, "height": 844})
        await phone.goto(queue.url + "/audit?claims=1")
        await phone.locator("#audit-table tbody tr").first.wait_for()
        assert await phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert await phone.locator("#audit-table thead").is_hidden()
        time_text = await phone.locator("#audit-table time").first.inner_text()
        assert time_text.endswith(("EST", "EDT"))
        await phone.screenshot(path=str(ARTIFACTS / "audit-mobile.png"), full_page=True)
        await browser.close()
    assert problems == []
