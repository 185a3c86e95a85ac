"""The local model directory, as serving reads it: Detoxify weights converted once into
safe files (by modeltools/detoxify_import.py).

    <model dir>/<variant>/
        detoxify.json        classes, the checkpoint's arch args, source URL and SHA-256
        model.safetensors    the weights (never a pickle at run time)
        hf/                  the base model's config.json and tokenizer files
        model.onnx, model.int8.onnx   after `moderation models export-onnx`

Detoxify publishes PyTorch Lightning checkpoints (pickles). `moderation models fetch`
downloads one on a machine with internet, checks its SHA-256, opens it with
`torch.load(weights_only=True)` (the restricted unpickler: tensors and plain containers
only) and writes the files above; nothing later unpickles anything.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

MAX_TOKENS = 512


class ModelStoreError(RuntimeError):
    pass


def variant_dir(model_dir: Path, variant: str) -> Path:
    return model_dir / variant


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_meta(model_dir: Path, variant: str) -> dict[str, Any]:
    path = variant_dir(model_dir, variant) / "detoxify.json"
    if not path.exists():
        raise ModelStoreError(
            f"no Detoxify '{variant}' in {model_dir}: on a machine with internet run "
            f"`moderation models fetch {variant} --model-dir {model_dir}` and copy the folder"
        )
    return dict(json.loads(path.read_text()))


def installed(model_dir: Path) -> list[dict[str, Any]]:
    if not model_dir.is_dir():
        return []
    found = []
    for meta_path in sorted(model_dir.glob("*/detoxify.json")):
        meta = json.loads(meta_path.read_text())
        folder = meta_path.parent
        meta["onnx"] = sorted(p.name for p in folder.glob("*.onnx"))
        meta["size_mb"] = round(
            sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6, 1
        )
        found.append(meta)
    return found
