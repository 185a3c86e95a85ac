"""The scoring API with real clients over real HTTP: Google's own Python client (built from
our discovery document), plain HTTP for the error bodies, concurrency and micro-batching.

The default news model, the legal checks and the default policy: the same Classifier the
classifier role builds (bootstrap.build_classifier)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from moderation.adapters.article_table import ArticleTable
from moderation.domain.events import Author, CommentSubmitted
from moderation.scoring_api.config import ScoringApiSettings
from moderation.scoring_api.coral import CoralSites
from moderation.scoring_api.service import build_default_classifier, create_app
from moderation.service_layer.classify import Classifier
from moderation.settings import ModerationSettings
from tests.integration.scoring_api_server import fake_lookup, serving

googleapiclient = pytest.importorskip("googleapiclient.discovery")
from googleapiclient.errors import HttpError  # noqa: E402

KEY = "key-news-1234"
TEXTS = [
    "You are a pathetic idiot.",
    "Lovely article, thanks for writing it.",
    "I will find where you live and hurt you.",
    "The council should resign, they are all corrupt liars.",
    "Shut the f*** up, moron",
    "ok",
]


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> Classifier:
    settings = ModerationSettings(data_dir=tmp_path_factory.mktemp("scoring-api"))
    return build_default_classifier(settings, ArticleTable())


@pytest.fixture(scope="module")
def server(classifier: Classifier, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = create_app(
        settings=ModerationSettings(data_dir=tmp_path_factory.mktemp("scoring-api-app")),
        api=ScoringApiSettings(kafka=False, rate_per_minute=0),
        classifier=classifier,
        site_lookup=fake_lookup,
        coral_sites=CoralSites(),
    )
    with serving(app) as url:
        yield url


def google_client(server: str, key: str = KEY) -> Any:
    return googleapiclient.build(
        "commentanalyzer",
        "v1alpha1",
        developerKey=key,
        discoveryServiceUrl=f"{server}/$discovery/rest?version=v1alpha1",
        static_discovery=False,
        cache_discovery=False,
    )


def classifier_toxicity(classifier: Classifier, text: str, site: str = "news") -> float:
    comment = CommentSubmitted(
        comment_id="c", article_id="a", site_id=site, author=Author(id="r"), body=text
    )
    return classifier.classify([comment])[0].scores["toxicity"]


def test_google_client_reads_our_scores(server: str, classifier: Classifier) -> None:
    client = google_client(server)
    for text in TEXTS:
        response = (
            client.comments()
            .analyze(
                body={
                    "comment": {"text": text},
                    "requestedAttributes": {"TOXICITY": {}, "INSULT": {}, "PROFANITY": {}},
                    "languages": ["en"],
                    "doNotStore": True,
                    "clientToken": "tok-1",
                }
            )
            .execute()
        )
        toxicity = response["attributeScores"]["TOXICITY"]["summaryScore"]
        assert toxicity["type"] == "PROBABILITY"
        # Identical, not close: the API runs the classifier's own code on the text.
        assert toxicity["value"] == classifier_toxicity(classifier, text)
        assert set(response["attributeScores"]) == {"TOXICITY", "INSULT", "PROFANITY"}
        assert response["languages"] == ["en"]
        assert response["clientToken"] == "tok-1"
    insult = client.comments().analyze(
        body={"comment": {"text": TEXTS[0]}, "requestedAttributes": {"INSULT": {}}}
    )
    assert insult.execute()["attributeScores"]["INSULT"]["summaryScore"]["value"] > 0.5


def test_google_client_span_scores_point_at_the_words(server: str) -> None:
    text = "Thanks for the report. You are a pathetic idiot."
    response = (
        google_client(server)
        .comments()
        .analyze(
            body={
                "comment": {"text": text},
                "requestedAttributes": {"TOXICITY": {}, "THREAT": {}},
                "spanAnnotations": True,
            }
        )
        .execute()
    )
    spans = response["attributeScores"]["TOXICITY"]["spanScores"]
    assert spans, response
    marked = [text[s["begin"] : s["end"]] for s in spans]
    assert any("idiot" in m for m in marked), marked
    assert all(0 <= s["score"]["value"] <= 1 for s in spans)
    assert response["attributeScores"]["THREAT"]["spanScores"] == [
        {
            "begin": 0,
            "end": len(text),
            "score": response["attributeScores"]["THREAT"]["summaryScore"],
        }
    ]


def test_google_client_errors(server: str) -> None:
    def analyze(body: dict[str, Any], key: str = KEY) -> Any:
        return google_client(server, key).comments().analyze(body=body).execute()

    base = {"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}}
    with pytest.raises(HttpError) as bad_key:
        analyze(base, key="not-a-key")
    assert bad_key.value.status_code == 400
    assert "API key not valid" in str(bad_key.value)
    with pytest.raises(HttpError) as unknown:
        analyze({**base, "requestedAttributes": {"FLIRTATION": {}}})
    assert unknown.value.status_code == 400
    assert "Unknown attribute: FLIRTATION" in str(unknown.value)
    with pytest.raises(HttpError) as language:
        analyze({**base, "languages": ["de"]})
    assert language.value.status_code == 400
    assert "does not support request languages: de" in str(language.value)


def test_error_bodies_are_perspectives(server: str) -> None:
    url = f"{server}/v1alpha1/comments:analyze"
    body = {"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}}
    missing = httpx.post(url, json=body)
    assert missing.status_code == 403
    assert missing.json()["error"]["status"] == "PERMISSION_DENIED"
    assert missing.json()["error"]["code"] == 403
    cases: list[tuple[Any, str]] = [
        ({**body, "languages": ["fr"]}, "does not support request languages: fr"),
        ({**body, "requestedAttributes": {"SPAM": {}}}, "Unknown attribute: SPAM"),
        ({**body, "comment": {"text": "   "}}, "Comment must be non-empty."),
        ({**body, "comment": {"text": "x" * 20_001}}, "too long"),
        ({**body, "requestedAttributes": {}}, "No requested attributes"),
        ({"requestedAttributes": {"TOXICITY": {}}}, "Invalid JSON payload"),
        (
            {**body, "requestedAttributes": {"TOXICITY": {"scoreType": "STD_DEV"}}},
            "score type",
        ),
    ]
    for payload, message in cases:
        answer = httpx.post(url, params={"key": KEY}, json=payload)
        assert answer.status_code == 400, (payload, answer.text)
        error = answer.json()["error"]
        assert error["status"] == "INVALID_ARGUMENT" and error["code"] == 400
        assert message in error["message"], error
    garbage = httpx.post(url, params={"key": KEY}, content=b"{not json")
    assert garbage.status_code == 400
    assert garbage.json()["error"]["message"] == "Invalid JSON payload received."


def test_threshold_html_and_header_key(server: str) -> None:
    url = f"{server}/v1alpha1/comments:analyze"
    answer = httpx.post(
        url,
        headers={"X-Goog-Api-Key": KEY},
        json={
            "comment": {
                "text": "<p>What a <b>lovely</b> day &amp; a fine piece.</p>",
                "type": "HTML",
            },
            "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.9}, "INSULT": {}},
        },
    )
    assert answer.status_code == 200, answer.text
    scores = answer.json()["attributeScores"]
    assert "TOXICITY" not in scores  # under its threshold: left out, as Perspective does
    assert "INSULT" in scores
    assert answer.json()["detectedLanguages"] == ["en"]


def test_do_not_store_logs_no_text(server: str, caplog: pytest.LogCaptureFixture) -> None:
    secret = "Zanzibar-quokka-7781 you idiot"
    with caplog.at_level(logging.DEBUG):
        answer = httpx.post(
            f"{server}/v1alpha1/comments:analyze",
            params={"key": KEY},
            json={
                "comment": {"text": secret},
                "requestedAttributes": {"TOXICITY": {}},
                "doNotStore": True,
            },
        )
    assert answer.status_code == 200
    assert "Zanzibar" not in caplog.text


async def test_concurrent_requests_are_batched_and_answer_as_alone(
    server: str, classifier: Classifier
) -> None:
    stats_before = httpx.get(f"{server}/stats").json()
    texts = [f"{TEXTS[i % len(TEXTS)]} ({i})" for i in range(24)]
    async with httpx.AsyncClient(base_url=server, timeout=60) as client:

        async def one(text: str) -> float:
            answer = await client.post(
                "/v1alpha1/comments:analyze",
                params={"key": KEY},
                json={"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}},
            )
            assert answer.status_code == 200, answer.text
            return float(answer.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"])

        together = await asyncio.gather(*(one(t) for t in texts))
    stats = httpx.get(f"{server}/stats").json()
    batches = stats["batches"] - stats_before["batches"]
    assert stats["batched_requests"] - stats_before["batched_requests"] == len(texts)
    assert batches < len(texts), stats  # some requests shared a trip to the worker thread
    assert list(together) == [classifier_toxicity(classifier, t) for t in texts]


MIXED = [
    *TEXTS,
    "Y0u are a p@thetic 1d10t and everyone knows it.",
    "S.t.u.p.i.d take, as usual from this paper.",
    "Thanks 🙏 great reporting — très bien!",
    "Go back to where you came from, nobody wants your kind here.",
    "I hope someone burns your house down tonight.",
    "The referee killed the game in the second half, shocking decision.",
    "What an absolute load of rubbish, the minister is a clown.",
    "Interesting. " * 60,  # several model windows
    ("The councillors debated the budget for three hours. " * 12) + "Idiots, all of them.",
    "Lovely photos of the harbour. " * 40 + "You are scum.",
    "no",
    "?!",
    "I disagree with the premise but the data section is solid and well sourced.",
    "F-U-C-K this s h i t",
]


def test_a_classifier_batch_gives_what_analyze_gives_each_comment_alone(
    server: str, classifier: Classifier
) -> None:
    """The classifier role scores comments in batches; the API scores each request alone
    (or in whatever window it lands). The same text must get the same TOXICITY either way:
    one Classifier.classify over all twenty, against twenty analyze calls one at a time."""
    assert len(MIXED) == 20
    batch = [
        CommentSubmitted(
            comment_id=f"c{i}", article_id="a", site_id="news", author=Author(id="r"), body=t
        )
        for i, t in enumerate(MIXED)
    ]
    in_batch = [d.scores["toxicity"] for d in classifier.classify(batch)]
    alone = []
    for text in MIXED:
        answer = httpx.post(
            f"{server}/v1alpha1/comments:analyze",
            params={"key": KEY},
            json={"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        alone.append(answer.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"])
    assert alone == in_batch
    assert min(in_batch) < 0.2 < 0.8 < max(in_batch)  # a mixed batch, not twenty alike


def test_the_model_threads_follow_the_setting(tmp_path: Any) -> None:
    """All cores by default, like the classifier; MODERATION_TORCH_THREADS decides where it
    is set (one thread suits a machine whose cores are busy with other work)."""

    def threads(of: Classifier) -> int:
        session = of.scorer._session  # type: ignore[attr-defined]
        return int(session.get_session_options().intra_op_num_threads)

    for setting, expected in ((None, os.cpu_count() or 1), (1, 1)):
        settings = ModerationSettings(data_dir=tmp_path, torch_threads=setting)
        assert threads(build_default_classifier(settings, ArticleTable())) == expected


def test_moderate_gives_the_full_decision(server: str) -> None:
    url = f"{server}/v1/moderate"
    auth = {"Authorization": f"Bearer {KEY}"}
    plain = httpx.post(url, headers=auth, json={"body": "A fair point, well made."})
    assert plain.status_code == 200, plain.text
    assert plain.json()["decision"] == "approve"
    assert plain.json()["article_context"] == "none"
    assert plain.json()["policy_version"]
    legal = httpx.post(
        url,
        headers=auth,
        json={
            "body": "I think Jane Doe made the whole thing up.",
            "article_id": "anon-1",
            "article": {"protected_names": ["Jane Doe"], "legally_sensitive": True},
        },
    )
    assert legal.status_code == 200, legal.text
    decision = legal.json()
    assert decision["decision"] == "hold"
    assert decision["article_context"] == "request"
    reason = next(r for r in decision["reasons"] if r["code"] == "LEGAL_ANONYMITY")
    assert reason["sentence"]
    assert [s["text"] for s in reason["spans"]] == ["Jane Doe"]
    toxic = httpx.post(url, headers=auth, json={"body": "You are a pathetic idiot."}).json()
    assert toxic["decision"] == "hold"
    assert any(r["code"] == "INSULT" and r["spans"] for r in toxic["reasons"]), toxic
    assert httpx.post(url, json={"body": "x"}).status_code == 403
    assert httpx.post(url, headers=auth, json={"body": ""}).status_code == 422


def test_discovery_document_is_ours(server: str) -> None:
    document = httpx.get(f"{server}/$discovery/rest", params={"version": "v1alpha1"}).json()
    assert document["rootUrl"] == f"{server}/"
    method = document["resources"]["comments"]["methods"]["analyze"]
    assert method["path"] == "v1alpha1/comments:analyze"
    assert "news-moderation" in document["title"]
    assert httpx.get(f"{server}/$discovery/rest", params={"version": "v9"}).status_code == 404
    assert json.dumps(document)  # plain JSON


def test_rate_limit_answers_429_like_perspective(classifier: Classifier, tmp_path: Any) -> None:
    app = create_app(
        settings=ModerationSettings(data_dir=tmp_path),
        api=ScoringApiSettings(kafka=False, rate_per_minute=60),  # a burst of one a second
        classifier=classifier,
        site_lookup=fake_lookup,
        coral_sites=CoralSites(),
    )
    body = {"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}}
    with serving(app) as url:
        codes = [
            httpx.post(f"{url}/v1alpha1/comments:analyze", params={"key": KEY}, json=body)
            for _ in range(3)
        ]
        other = httpx.post(
            f"{url}/v1alpha1/comments:analyze", params={"key": "key-other-5678"}, json=body
        )
    assert codes[0].status_code == 200
    refused = codes[-1]
    assert refused.status_code == 429
    assert refused.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert refused.headers["retry-after"]
    assert other.status_code == 200  # the limit is per key
