"""Randomly initialised Detoxify-format models of real geometries (`moderation models
random-init`, and the backends' speed benchmark): they score nothing meaningfully but cost
what the real model costs. The vocabulary is built from the caller's words."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from moderation.modeltools.sample_comments import ABUSIVE_SENTENCES, CLEAN_SENTENCES


def build_random_model(root: Path, geometry: str, bodies: list[str]) -> Path:
    """A randomly initialised model of `geometry`, installed as variant `geometry` in
    `<root>/models`; returns that model directory."""
    from moderation.modeltools.detoxify_import import import_checkpoint, mark_random_weights
    from moderation.modeltools.synthetic import write_random_checkpoint

    words = sorted({w for b in bodies for w in re.findall(r"\w+|[^\w\s]", b.lower())})
    checkpoint, hf = write_random_checkpoint(root, words, geometry)
    models = root / "models"
    folder = import_checkpoint(checkpoint, hf, models, geometry)
    mark_random_weights(folder)
    return models


def install_random_model(model_dir: Path, geometry: str) -> Path:
    """Install a random model of `geometry` as variant `geometry` in `model_dir`; its
    vocabulary is every word of the sample comments (what the benchmark corpus is made of)."""
    with tempfile.TemporaryDirectory() as scratch:
        built = build_random_model(Path(scratch), geometry, CLEAN_SENTENCES + ABUSIVE_SENTENCES)
        shutil.copytree(built / geometry, model_dir / geometry, dirs_exist_ok=True)
    return model_dir / geometry
