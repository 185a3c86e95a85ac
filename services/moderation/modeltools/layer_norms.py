"""Swap onnxruntime's fused residual+LayerNorm kernel back for plain ONNX operators.

onnxruntime's transformer optimiser turns each layer's "add the residual and the bias, then
LayerNorm" into one `SkipLayerNormalization` node. On the 2 serving cores with onnxruntime
1.32 that kernel is the slow way to do it: alone, on a window of 80 tokens, it took about
0.2 ms where `Add` + `LayerNormalization` took about 0.05 ms, and it was a quarter of the
model's time in a profile. The plain graph scores about 1.4x the windows per second
(docs/models.md). Scores move by int8 rounding only (mean 6e-5 on the labels).

onnxruntime would fuse the plain operators again when it loads the model, so the scorer
opens its sessions with `SkipLayerNormFusion` disabled (scoring/news_model.py).

`python -m moderation.modeltools.layer_norms [MODEL_DIR] [--evaluate]` rewrites an exported
model in place and updates its meta.json (checksums, version, and with --evaluate the
validation figures); the export does the same to every new model.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import onnx
from onnx import helper

from moderation.scoring.model_store import sha256
from moderation.scoring.news_model import DEFAULT_NEWS_MODEL

FUSED_OP = "SkipLayerNormalization"
REWRITE_NAME = f"{FUSED_OP} -> Add + LayerNormalization"


def unfuse_skip_layer_norms(model: onnx.ModelProto) -> int:
    """Rewrite every SkipLayerNormalization(input, skip, gamma, beta[, bias]) whose only
    output is the normalised sum; returns how many were rewritten."""
    nodes: list[onnx.NodeProto] = []
    rewritten = 0
    for node in model.graph.node:
        if node.op_type != FUSED_OP or node.domain != "com.microsoft":
            nodes.append(node)
            continue
        if len([name for name in node.output if name]) != 1:
            # The optional outputs (mean, inverse deviation, the sum) have no plain twin here.
            raise ValueError(f"{node.name}: {FUSED_OP} with extra outputs is not supported")
        source, skip, gamma, beta, *bias = node.input
        epsilon = next((a.f for a in node.attribute if a.name == "epsilon"), 1e-12)
        total = f"{node.name}/sum"
        if bias and bias[0]:
            biased = f"{node.name}/biased"
            nodes.append(helper.make_node("Add", [source, bias[0]], [biased], name=biased))
            source = biased
        nodes.append(helper.make_node("Add", [source, skip], [total], name=total))
        nodes.append(
            helper.make_node(
                "LayerNormalization",
                [total, gamma, beta],
                [node.output[0]],
                name=f"{node.name}/layer_norm",
                axis=-1,
                epsilon=epsilon,
            )
        )
        rewritten += 1
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return rewritten


def rewrite_file(path: Path) -> int:
    model = onnx.load(str(path))
    count = unfuse_skip_layer_norms(model)
    if count:
        onnx.save(model, str(path))
    return count


def rewrite_artifact(folder: Path) -> dict:
    """Rewrite folder/model.int8.onnx and record it in meta.json; returns the new meta."""
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    count = rewrite_file(folder / "model.int8.onnx")
    if count:
        rewrites = meta.setdefault("graph_rewrites", {})
        rewrites[REWRITE_NAME] = rewrites.get(REWRITE_NAME, 0) + count
        if not meta["version"].endswith("-plain-ln"):
            # The scores move by int8 rounding, so decisions name a version of their own.
            meta["version"] += "-plain-ln"
        meta["files"]["model.int8.onnx"] = sha256(folder / "model.int8.onnx")
        meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path, nargs="?", default=DEFAULT_NEWS_MODEL)
    parser.add_argument(
        "--evaluate", action="store_true", help="recompute meta.json's validation figures"
    )
    args = parser.parse_args()
    meta = rewrite_artifact(args.folder)
    print(f"{args.folder}: {meta.get('graph_rewrites', {})}; version {meta['version']}")
    if args.evaluate:
        from moderation.modeltools import corpora
        from moderation.modeltools.evaluate_news_model import evaluate_artifact

        meta["validation"] = evaluate_artifact(args.folder, corpora.load())
        (args.folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
        print(json.dumps(meta["validation"]["default_policy"]["public_sets"]))


if __name__ == "__main__":
    main()
