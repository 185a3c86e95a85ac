"""Detoxify (tiny checkpoint) scoring comments end to end through the broker, PyTorch and
ONNX, selected by configuration."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("detoxify")
pytest.importorskip("onnxruntime")

from moderation.modeltools.detoxify_import import import_checkpoint
from moderation.scoring.transformer import export_onnx
from tests.pipeline_client import CLEAN, TOXIC, comment_event
from tests.roles import start_classifier
from tests.tiny_detoxify import build_tiny_checkpoint

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("detoxify-e2e")
    checkpoint, hf = build_tiny_checkpoint(root)
    import_checkpoint(checkpoint, hf, root / "models", "tiny")
    export_onnx(root / "models", "tiny")
    return root / "models"


@pytest.mark.parametrize("backend", ["detoxify", "onnx"])
async def test_classifier_scores_with_the_configured_backend(broker, client, model_dir, backend):
    worker = start_classifier(
        broker,
        name=f"classifier-{backend}",
        MODERATION_SCORER=backend,
        MODERATION_MODEL_DIR=str(model_dir),
        MODERATION_MODEL_VARIANT="tiny",
        MODERATION_TORCH_THREADS="1",
        HF_HUB_OFFLINE="1",
    )
    try:
        events = [comment_event(CLEAN), comment_event(TOXIC), comment_event("word " * 900)]
        for event in events:
            await client.publish_comment(event)
        found = await client.decisions_for([e["comment_id"] for e in events], timeout_s=60)
    finally:
        worker.stop()
    for event in events:
        [decision] = found[event["comment_id"]]
        assert decision["model"]["backend"] == backend
        assert set(decision["scores"]) >= {"toxicity", "insult", "threat", "identity_attack"}
