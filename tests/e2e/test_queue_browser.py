"""A moderator in a real browser (Debian's Chromium via Playwright), fed by the live pipeline:
broker, classifier, comment store and moderator queue all as real processes."""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.pipeline_client import TOXIC, comment_event
from tests.queue_helpers import PASSWORD, XSS_BODY, add_user_with_cli
from tests.roles import ARTIFACTS, start_classifier, start_role, store_status_becomes

playwright_api = pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM) and os.environ.get("MODERATION_REQUIRE_BROWSER") != "1":
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def system(broker, tmp_path_factory):
    data = tmp_path_factory.mktemp("system")
    add_user_with_cli(data, "maria")
    env = {"MODERATION_DATA_DIR": str(data)}
    processes = {
        "classifier": start_classifier(broker),
        "store": start_role(broker, "comment-store", **env),
        "queue": start_role(broker, "moderator-queue", **env),
    }
    yield processes
    for process in processes.values():
        process.stop()


async def test_moderator_reviews_held_comments_in_the_browser(system, client):
    queue, store = system["queue"], system["store"]
    await client.publish_article(
        {
            "article_id": "trial-1",
            "site_id": "e2e-site",
            "title": "Man, 42, on trial for assault",
            "active_proceedings": [{"defendants": ["Mark Evans"]}],
        }
    )
    await client.publish_article(
        {
            "article_id": "pre-1",
            "site_id": "e2e-site",
            "title": "Premoderated story",
            "premoderate": True,
        }
    )
    await asyncio.sleep(1.0)
    legal = comment_event("Evans is obviously guilty, lock him up.", article_id="trial-1")
    toxic = comment_event(TOXIC, article_id="other")
    xss = comment_event(XSS_BODY, article_id="pre-1")
    for event in (legal, toxic, xss):
        await client.publish_comment(event)
    await store_status_becomes(store, legal["comment_id"], "held")

    dialogs: list[str] = []
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), asyncio.ensure_future(d.dismiss())))

        await page.goto(queue.url + "/")
        assert page.url.startswith(queue.url + "/login")
        await page.fill('input[name="username"]', "maria")
        await page.fill('input[name="password"]', PASSWORD)
        await page.click('button[type="submit"]')
        await page.wait_for_url(queue.url + "/")

        item = page.locator(f'article[data-comment-id="{legal["comment_id"]}"]')
        await item.wait_for(timeout=20_000)
        marks = await item.locator("mark").all_inner_texts()
        assert "Evans" in marks and any("lock him up" in m for m in marks)
        assert "Man, 42, on trial for assault" in await item.inner_text()
        await page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)

        # The script payload is shown as text and never runs.
        xss_item = page.locator(f'article[data-comment-id="{xss["comment_id"]}"]')
        await xss_item.wait_for()
        assert await xss_item.locator(".body").inner_text() == XSS_BODY
        assert await page.evaluate("window.__pwned") is None

        # Keyboard: j until the legal comment is current, then a.
        for _ in range(10):
            await page.keyboard.press("j")
            current = page.locator("article.item.current")
            if await current.get_attribute("data-comment-id") == legal["comment_id"]:
                break
        await page.keyboard.press("?")
        assert await page.locator("#help").is_visible()
        await page.keyboard.press("?")
        await page.keyboard.press("a")
        await item.wait_for(state="detached")

        # The button. Only the current comment shows its buttons, and after the approval the
        # focus moved to whichever comment came next (decision order varies): open this one
        # by clicking it first, as a moderator would.
        toxic_item = page.locator(f'article[data-comment-id="{toxic["comment_id"]}"]')
        await toxic_item.locator(".body").click()
        await toxic_item.get_by_role("button", name="Approve", exact=True).click()
        await toxic_item.wait_for(state="detached")

        # Live: a new held comment appears without a reload, and the true total (header and
        # tab title) follows it.
        before = await page.locator("article.item").count()  # all on one page here
        for _ in range(50):  # the total follows the two approvals
            if await page.locator("#total").inner_text() == str(before):
                break
            await asyncio.sleep(0.1)
        late = comment_event("You pathetic moron, nobody wants you here.", article_id="other")
        await client.publish_comment(late)
        await page.locator(f'article[data-comment-id="{late["comment_id"]}"]').wait_for(
            timeout=20_000
        )
        for _ in range(50):
            if await page.locator("#total").inner_text() == str(before + 1):
                break
            await asyncio.sleep(0.1)
        assert await page.locator("#total").inner_text() == str(before + 1)
        assert await page.title() == f"Queue ({before + 1}) · Moderation"
        await page.screenshot(path=str(ARTIFACTS / "queue-live.png"), full_page=True)
        await browser.close()

    await store_status_becomes(store, legal["comment_id"], "published")
    await store_status_becomes(store, toxic["comment_id"], "published")
    await store_status_becomes(store, xss["comment_id"], "held")
    assert dialogs == []
