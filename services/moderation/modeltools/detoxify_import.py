"""Detoxify checkpoints into the local model directory (tooling; serving only reads it).

`moderation models fetch` downloads a checkpoint on a machine with internet, checks its
SHA-256, opens it with `torch.load(weights_only=True)` (the restricted unpickler: tensors and
plain containers only) and writes the safe layout described in scoring/model_store.py;
nothing later unpickles anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moderation.scoring.model_store import MAX_TOKENS, ModelStoreError, sha256, variant_dir

DETOXIFY_RELEASES = "https://github.com/unitaryai/detoxify/releases/download/"


@dataclass(frozen=True)
class Variant:
    name: str
    checkpoint_url: str
    base_model: str  # the Hugging Face model whose config and tokenizer it needs


VARIANTS = {
    v.name: v
    for v in (
        Variant(
            "original",
            DETOXIFY_RELEASES + "v0.1-alpha/toxic_original-c1212f89.ckpt",
            "bert-base-uncased",
        ),
        Variant(
            "unbiased",
            DETOXIFY_RELEASES + "v0.3-alpha/toxic_debiased-c7548aa0.ckpt",
            "roberta-base",
        ),
        Variant(
            "multilingual",
            DETOXIFY_RELEASES + "v0.4-alpha/multilingual_debiased-0b549669.ckpt",
            "xlm-roberta-base",
        ),
        Variant(
            "original-small",
            DETOXIFY_RELEASES + "v0.1.2/original-albert-0e1d6498.ckpt",
            "albert-base-v2",
        ),
        Variant(
            "unbiased-small",
            DETOXIFY_RELEASES + "v0.1.2/unbiased-albert-c8519128.ckpt",
            "albert-base-v2",
        ),
    )
}
# The files of a base model that loading needs (config and tokenizer, no weights).
BASE_MODEL_FILES = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "sentencepiece.bpe.model",
    "spiece.model",
    "special_tokens_map.json",
)
# Detoxify standardises these class names; so do we.
CLASS_NAMES = {
    "toxic": "toxicity",
    "identity_hate": "identity_attack",
    "severe_toxic": "severe_toxicity",
}


def import_checkpoint(
    checkpoint: Path, hf_dir: Path, model_dir: Path, variant: str, source_url: str = ""
) -> Path:
    """Convert a Detoxify checkpoint + base-model files into the safe layout."""
    import shutil

    import torch
    from safetensors.torch import save_file

    loaded = torch.load(checkpoint, map_location="cpu", weights_only=True)
    if "config" not in loaded or "state_dict" not in loaded:
        raise ModelStoreError(f"{checkpoint} is not a Detoxify checkpoint (config+state_dict)")
    arch = dict(loaded["config"]["arch"]["args"])
    classes = [CLASS_NAMES.get(c, c) for c in loaded["config"]["dataset"]["args"]["classes"]]
    target = variant_dir(model_dir, variant)
    (target / "hf").mkdir(parents=True, exist_ok=True)
    copied = []
    for name in BASE_MODEL_FILES:
        if (hf_dir / name).exists():
            shutil.copy2(hf_dir / name, target / "hf" / name)
            copied.append(name)
    if "config.json" not in copied:
        raise ModelStoreError(f"{hf_dir} has no config.json of the base model")
    _cap_tokenizer_length(target / "hf")
    state = {k: v.contiguous() for k, v in loaded["state_dict"].items()}
    save_file(state, str(target / "model.safetensors"))
    meta = {
        "variant": variant,
        "classes": classes,
        "arch": arch,
        "source_url": source_url,
        "checkpoint_sha256": sha256(checkpoint),
        "weights_sha256": sha256(target / "model.safetensors"),
        "base_model_files": copied,
    }
    (target / "detoxify.json").write_text(json.dumps(meta, indent=2) + "\n")
    return target


def _cap_tokenizer_length(hf: Path) -> None:
    """Without model_max_length the tokenizer accepts any length and long comments crash
    the model (position embeddings stop at 512)."""
    path = hf / "tokenizer_config.json"
    config: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    config["model_max_length"] = MAX_TOKENS
    path.write_text(json.dumps(config, indent=2) + "\n")


def mark_random_weights(folder: Path) -> None:
    """Record that a variant holds random weights (benchmarks), so serving says so loudly."""
    path = folder / "detoxify.json"
    meta = json.loads(path.read_text())
    meta["random_weights"] = True
    path.write_text(json.dumps(meta, indent=2) + "\n")


def fetch(variant: str, model_dir: Path) -> Path:
    """Download a Detoxify checkpoint and its base model's config/tokenizer, then convert.
    Needs internet (and huggingface_hub); run it where the image is built, not at run time."""
    import tempfile
    import urllib.request

    if variant not in VARIANTS:
        raise ModelStoreError(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")
    spec = VARIANTS[variant]
    expected_prefix = spec.checkpoint_url.rsplit("-", 1)[-1].split(".")[0]
    with tempfile.TemporaryDirectory() as scratch:
        checkpoint = Path(scratch) / "checkpoint.ckpt"
        urllib.request.urlretrieve(spec.checkpoint_url, checkpoint)
        digest = sha256(checkpoint)
        # Detoxify's file names carry the first hex digits of the file's SHA-256.
        if not digest.startswith(expected_prefix):
            raise ModelStoreError(
                f"{spec.checkpoint_url}: SHA-256 {digest} does not start "
                f"with {expected_prefix}; refusing it"
            )
        from huggingface_hub import hf_hub_download

        hf_dir = Path(scratch) / "hf"
        hf_dir.mkdir()
        for name in BASE_MODEL_FILES:
            try:
                downloaded = hf_hub_download(spec.base_model, name)
            except Exception:
                continue  # not every base model has every tokenizer file
            (hf_dir / name).write_bytes(Path(downloaded).read_bytes())
        return import_checkpoint(checkpoint, hf_dir, model_dir, variant, spec.checkpoint_url)
