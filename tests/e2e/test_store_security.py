"""The comment store's API keys and site scoping (issue #13 item 7, and item 9's bounds and
cursor), on real SQLite and PostgreSQL databases: every 401/403/404 path and the split
between public and site-only fields."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from httpx import ASGITransport, AsyncClient

from moderation.domain.events import Author, CommentReviewed, ReviewOutcome
from moderation.domain.labels import ReviewReason
from moderation.settings import KafkaSettings, ModerationSettings
from moderation.store.api_keys import create_key, revoke_key
from moderation.store.app import create_app
from moderation.store.views import PUBLIC_FIELDS
from tests.fakes import comment
from tests.integration.test_store_repository import apply, dsn, engine  # noqa: F401 - fixtures
from tests.unit.test_store_status import decision

NO_BROKER = KafkaSettings(bootstrap_servers="127.0.0.1:1")


def approved(comment_id: str, site_id: str = "site"):
    return decision().model_copy(
        update={
            "comment_id": comment_id,
            "event_id": f"d-{comment_id}",
            "decision": "approve",
            "reasons": [],
            "comment": comment(comment_id=comment_id, site_id=site_id),
        }
    )


def held(comment_id: str):
    return decision().model_copy(update={"comment_id": comment_id, "event_id": f"h-{comment_id}"})


@pytest.fixture
async def api(dsn, engine):  # noqa: F811 - fixtures
    """Site "site" has a published, a held and a rejected comment on article a1; site
    "other" has a published one on the same article. Keys: one per site, one revoked."""
    await apply(
        engine,
        comment(comment_id="pub").model_copy(
            update={"author": Author(id="reader-1", display_name="Reader One")}
        ),
        approved("pub"),
        comment(comment_id="held"),
        held("held"),
        comment(comment_id="rej"),
        CommentReviewed(
            comment_id="rej",
            revision=1,
            outcome=ReviewOutcome.REJECTED,
            reason_code=ReviewReason.ABUSIVE,
            note="internal: third warning",
            moderator_id="mod-ann",
        ),
        comment(comment_id="theirs", site_id="other"),
        approved("theirs", site_id="other"),
        comment(comment_id="a/b"),
        approved("a/b"),
    )
    async with engine.begin() as conn:
        keys = {"site": (await create_key(conn, "site"))[1]}
        keys["other"] = (await create_key(conn, "other"))[1]
        revoked_id, keys["revoked"] = await create_key(conn, "site")
        await revoke_key(conn, revoked_id)
    app = create_app(kafka=NO_BROKER, settings=ModerationSettings(store_dsn=dsn))
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        yield client, keys


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


async def test_without_a_key_only_published_comments_and_public_fields(api):
    client, _ = api
    public = await client.get("/comments/pub")
    assert public.status_code == 200
    assert set(public.json()) == {*PUBLIC_FIELDS, "author"}
    assert public.json()["author"] == {"display_name": "Reader One"}
    assert (await client.get("/comments/held")).status_code == 404
    assert (await client.get("/comments/rej")).status_code == 404
    listed = (await client.get("/articles/a1/comments")).json()["comments"]
    assert {c["comment_id"] for c in listed} == {"pub", "theirs", "a/b"}
    assert all("history" not in c and "reason_codes" not in c for c in listed)
    for query in ({"all": "true"}, {"status": "held"}, {"status": "pending"}):
        refused = await client.get("/articles/a1/comments", params=query)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"


async def test_the_sites_key_reads_everything_of_that_site_and_nothing_of_another(api):
    client, keys = api
    rejected = (await client.get("/comments/rej", headers=bearer(keys["site"]))).json()
    assert rejected["status"] == "rejected"
    assert rejected["history"][-1]["actor"] == "mod-ann"
    assert rejected["history"][-1]["note"] == "internal: third warning"
    assert (await client.get("/comments/held", headers=bearer(keys["site"]))).status_code == 200
    # Another site's key: not even a published comment of this site, not its held ones.
    for comment_id in ("rej", "held", "pub"):
        other = await client.get(f"/comments/{comment_id}", headers=bearer(keys["other"]))
        assert other.status_code == 404
    everything = await client.get(
        "/articles/a1/comments", params={"all": "true"}, headers=bearer(keys["site"])
    )
    assert {c["comment_id"] for c in everything.json()["comments"]} == {
        "pub",
        "held",
        "rej",
        "a/b",
    }
    theirs = await client.get(
        "/articles/a1/comments", params={"all": "true"}, headers=bearer(keys["other"])
    )
    assert [c["comment_id"] for c in theirs.json()["comments"]] == ["theirs"]


@pytest.mark.parametrize("header", ["Bearer not-a-key", "Basic dXNlcjpwYXNz", "Bearer ", "REVOKED"])
async def test_a_bad_revoked_or_malformed_key_is_401_never_a_public_downgrade(api, header):
    client, keys = api
    headers = {"authorization": bearer(keys["revoked"])["authorization"]}
    if header != "REVOKED":
        headers = {"authorization": header}
    for response in (
        await client.get("/comments/pub", headers=headers),
        await client.get("/articles/a1/comments", headers=headers),
        await client.post("/comments", headers=headers, json=new_comment("n1")),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


def new_comment(comment_id: str, site_id: str = "site", **extra: object) -> dict:
    return {
        "comment_id": comment_id,
        "article_id": "a1",
        "site_id": site_id,
        "author": {"id": "u1", "display_name": "Spammer"},
        "body": "Buy cheap watches",
        **extra,
    }


async def test_writes_need_the_sites_key_and_cannot_take_another_sites_comment(api):
    client, keys = api
    assert (await client.post("/comments", json=new_comment("n1"))).status_code == 401
    wrong_site = await client.post(
        "/comments", json=new_comment("n1"), headers=bearer(keys["other"])
    )
    assert wrong_site.status_code == 403
    # A new revision of site "site"'s published comment, sent as "other": refused.
    hijack = await client.post(
        "/comments",
        json=new_comment("pub", site_id="other", revision=2),
        headers=bearer(keys["other"]),
    )
    assert hijack.status_code == 403 and "another site" in hijack.json()["detail"]
    # Its own site's key gets past every check to the broker (absent here: 503, not 2xx).
    own = await client.post(
        "/comments", json=new_comment("pub", revision=2), headers=bearer(keys["site"])
    )
    assert own.status_code == 503


async def test_submissions_have_the_events_bounds_and_cursors_are_checked(api):
    client, keys = api
    too_long = new_comment("n2", section="x" * 500_000)
    response = await client.post("/comments", json=too_long, headers=bearer(keys["site"]))
    assert response.status_code == 422
    tampered = base64.urlsafe_b64encode(json.dumps([1, {"a": 2}]).encode()).decode()
    page = await client.get("/articles/a1/comments", params={"cursor": tampered})
    assert page.status_code == 400


async def test_comment_ids_with_a_slash_are_readable(api):
    client, _ = api
    found = await client.get("/comments/a/b")
    assert found.status_code == 200 and found.json()["comment_id"] == "a/b"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moderation.entrypoints.cli", *args],
        capture_output=True,
        text=True,
        check=True,
    )


async def test_api_keys_command_creates_lists_and_revokes(tmp_path):
    created = cli("api-keys", "create", "--site-id", "news-1", "--data-dir", str(tmp_path))
    key = created.stdout.strip().splitlines()[-1]
    key_id = key.split("_")[1]
    listed = cli("api-keys", "list", "--data-dir", str(tmp_path)).stdout
    assert key_id in listed and "news-1" in listed and "live" in listed
    assert key not in listed and key not in (tmp_path / "store.db").read_bytes().decode("latin-1")
    app = create_app(kafka=NO_BROKER, settings=ModerationSettings(data_dir=tmp_path))
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        before = await client.get("/articles/a/comments?all=true", headers=bearer(key))
        cli("api-keys", "revoke", key_id, "--data-dir", str(tmp_path))
        after = await client.get("/articles/a/comments?all=true", headers=bearer(key))
    assert (before.status_code, after.status_code) == (200, 401)
    assert "revoked" in cli("api-keys", "list", "--data-dir", str(tmp_path)).stdout
