"""The npm `perspective-api-client` (3.1.0) against the scoring API over real HTTP.

Its URL is a constant with no option to change it; tests/perspective_npm/analyze.js sends
it to us through an interceptor on the axios module it uses (see that file and
docs/perspective-migration.md). Needs Node and `npm ci --prefix tests/perspective_npm`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moderation.adapters.article_table import ArticleTable
from moderation.domain.policy import load_policy
from moderation.scoring_api.config import ScoringApiSettings
from moderation.scoring_api.coral import CoralSites
from moderation.scoring_api.service import create_app
from moderation.service_layer.classify import Classifier
from moderation.settings import ModerationSettings
from tests.fakes import KeywordScorer
from tests.integration.scoring_api_server import fake_lookup, serving

CLIENT_DIR = Path(__file__).resolve().parents[1] / "perspective_npm"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    node = shutil.which("node")
    if node is None or not (CLIENT_DIR / "node_modules" / "perspective-api-client").is_dir():
        missing = "no node or no perspective-api-client (npm ci --prefix tests/perspective_npm)"
        if os.environ.get("MODERATION_REQUIRE_NPM_CLIENT") == "1":  # CI: a failure, not a skip
            pytest.fail(missing)
        pytest.skip(missing)
    table = ArticleTable()
    app = create_app(
        settings=ModerationSettings(data_dir=Path(tempfile.mkdtemp())),
        api=ScoringApiSettings(kafka=False),
        classifier=Classifier(scorer=KeywordScorer(), policy=load_policy(None), articles=table.get),
        site_lookup=fake_lookup,
        coral_sites=CoralSites(),
        table=table,
    )
    with serving(app) as url:
        yield url


def run_client(server: str, key: str, text: str) -> Any:
    done = subprocess.run(
        ["node", "analyze.js", server, key, text],
        cwd=CLIENT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_npm_client_reads_our_scores(server: str) -> None:
    answer = run_client(server, "key-news-1234", "<b>You</b> idiot")
    scores = answer["ok"]["attributeScores"]
    assert scores["TOXICITY"]["summaryScore"] == {"value": 0.95, "type": "PROBABILITY"}
    assert set(scores) == {"TOXICITY", "INSULT"}


def test_npm_client_sees_perspectives_error_message(server: str) -> None:
    answer = run_client(server, "wrong-key", "hello")
    assert answer == {
        "error": "ResponseError",
        "message": "API key not valid. Please pass a valid API key.",
    }
