"""Early exit: a window the lower layers already find clearly harmless skips the upper ones.

Most news comments are plainly harmless, and for them the last encoder layers only confirm
what the first ones saw. Two linear heads read the mean-pooled output of layer `after_layer`;
both are fitted to the full model's own label scores (so they learn where the full model
ends up, not the datasets' labels):
- the *exit* head (logistic, soft targets) decides: when every label it predicts is under
  `EXIT_SHARE` of that label's default threshold, the upper layers are skipped;
- the *estimate* head (least squares on the scores' logits) gives the scores reported for
  a window that exits, capped at the ceilings. The logistic head is safe for deciding but
  squeezes small scores together: reported, its figures cost up to 0.020 AUC (threat) on
  the validation split, the logit fit's at most 0.004 (docs/models.md, "Early exit").
The window then has no toxic spans.

It all lives in the one ONNX file, as an `If` node, so the scorer's call and the SHA-256
check stay as they were:
- input `exit_ceilings` (float[7]): the scorer feeds zeros, so that every window runs
  through every layer, unless MODERATION_NEWS_EARLY_EXIT=true, when it feeds the ceilings
  meta.json records;
- output `exited` (bool): whether this call took the exit.
Windows that do not exit get exactly the scores of the graph without early exit (the same
nodes run on the same tensors; tests/unit/test_early_exit.py checks it).

`python -m moderation.modeltools.early_exit [MODEL_DIR]` adds the exit to an exported model
in place and records the fit and its validation figures in meta.json; the export does the
same to every new model.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from moderation.scoring.model_store import sha256
from moderation.scoring.news_model import (
    CEILINGS_INPUT,
    DEFAULT_NEWS_MODEL,
    EXITED_OUTPUT,
    NewsModelScorer,
    open_session,
)
from moderation.text.readable import for_model

# Exit only when every label is predicted under a tenth of its default threshold. On the
# validation split this lost 2 of 4,616 holds (docs/models.md, "Early exit").
EXIT_SHARE = 0.1
FIT_ROWS = 24_000  # training-split comments whose full-model scores the head is fitted to
BRANCH_OUTPUTS = ("label_probs", "token_probs")  # the model's outputs, from either branch


def hidden_state(after_layer: int) -> str:
    """The name the export gives the output of encoder layer `after_layer` (1-based)."""
    return (
        f"/net/encoder/encoder/layer.{after_layer - 1}/output/LayerNorm/LayerNormalization_output_0"
    )


def encoder_layers(model: onnx.ModelProto) -> int:
    produced = {out for node in model.graph.node for out in node.output}
    layers = 0
    while hidden_state(layers + 1) in produced:
        layers += 1
    return layers


def default_exit_layer(layers: int) -> int | None:
    """Half way up; a model of one layer has nothing to skip."""
    return layers // 2 if layers >= 2 else None


def with_hidden_output(model: onnx.ModelProto, after_layer: int) -> onnx.ModelProto:
    """A copy that also outputs the hidden state the exit head reads."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probe.graph.output.append(
        helper.make_tensor_value_info(hidden_state(after_layer), TensorProto.FLOAT, None)
    )
    return probe


def features(
    model: onnx.ModelProto, after_layer: int, texts: Sequence[str], scorer: NewsModelScorer
) -> tuple[np.ndarray, np.ndarray]:
    """Mean-pooled hidden state after `after_layer` and the full model's label scores, for
    the first window of each text as written."""
    session = open_session(with_hidden_output(model, after_layer).SerializeToString(), 1)
    rows, owners, _ = scorer._windows([for_model(t).text for t in texts])
    firsts: dict[int, list[int]] = {}
    for row, owner in zip(rows, owners, strict=True):
        firsts.setdefault(owner, row)

    def run(row: list[int]) -> tuple[np.ndarray, np.ndarray]:
        ids = np.array([row], dtype=np.int64)
        labels, hidden = session.run(
            ["label_probs", hidden_state(after_layer)],
            {"input_ids": ids, "attention_mask": np.ones_like(ids)},
        )
        return hidden[0].mean(axis=0), labels[0]

    with ThreadPoolExecutor(scorer.threads) as pool:
        results = list(pool.map(run, [firsts[i] for i in sorted(firsts)]))
    return (
        np.stack([r[0] for r in results]).astype(np.float32),
        np.stack([r[1] for r in results]).astype(np.float32),
    )


def _standardised(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    return (x - mean) / scale, mean, scale


def _folded(weights: np.ndarray, bias: np.ndarray, mean: np.ndarray, scale: np.ndarray):
    """Weights for raw features from weights fitted on standardised ones."""
    raw = weights / scale[:, None]
    return raw.astype(np.float32), (bias - mean @ raw).astype(np.float32)


def fit_exit_head(x: np.ndarray, teacher: np.ndarray, l2: float = 1e-3):
    """Logistic regression per label on soft targets (the full model's scores)."""
    from scipy.optimize import minimize

    z, mean, scale = _standardised(x)
    rows, dims = z.shape
    labels = teacher.shape[1]

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = flat[: dims * labels].reshape(dims, labels), flat[dims * labels :]
        logits = z @ weights + bias
        value = (np.logaddexp(0, logits) - teacher * logits).mean(axis=0).sum()
        grad = (1 / (1 + np.exp(-logits)) - teacher) / rows
        return (
            float(value + l2 * (weights**2).sum()),
            np.concatenate([(z.T @ grad + 2 * l2 * weights).ravel(), grad.sum(axis=0)]),
        )

    found = minimize(
        loss,
        np.zeros(dims * labels + labels),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 500},
    )
    weights = found.x[: dims * labels].reshape(dims, labels)
    return _folded(weights, found.x[dims * labels :], mean, scale)


def fit_estimate_head(x: np.ndarray, teacher: np.ndarray, ridge: float = 10.0):
    """Ridge regression of the full model's logits, which keeps small scores apart."""
    z, mean, scale = _standardised(x)
    design = np.c_[z, np.ones(len(z))]
    probs = np.clip(teacher, 1e-5, 1 - 1e-5)
    penalty = ridge * np.eye(design.shape[1])
    penalty[-1, -1] = 0.0  # the intercept is not shrunk
    solved = np.linalg.solve(design.T @ design + penalty, design.T @ np.log(probs / (1 - probs)))
    return _folded(solved[:-1], solved[-1], mean, scale)


Head = tuple[np.ndarray, np.ndarray]  # weights (hidden x labels), bias (labels)


def predict(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ weights + bias)))


def add_early_exit(
    model: onnx.ModelProto, after_layer: int, exit_head: Head, estimate_head: Head
) -> onnx.ModelProto:
    """A copy of `model` in which every node that depends on layer `after_layer`'s output
    runs in the `else` branch of an `If` whose condition is the exit head's verdict."""
    result = onnx.ModelProto()
    result.CopyFrom(model)  # metadata, producer, opsets and doc strings stay as they were
    graph = result.graph
    if CEILINGS_INPUT in {i.name for i in graph.input}:
        raise ValueError("this model already has an early exit")
    if {o.name for o in graph.output} != set(BRANCH_OUTPUTS):
        raise ValueError(f"expected the outputs {BRANCH_OUTPUTS}, found {list(graph.output)}")
    cut = hidden_state(after_layer)
    upper_tensors = {cut}
    upper: list[onnx.NodeProto] = []
    lower: list[onnx.NodeProto] = []
    for node in map(_copy, graph.node):  # graph.node is in topological order
        if upper_tensors.intersection(node.input):
            upper.append(node)
            upper_tensors.update(node.output)
        else:
            lower.append(node)
    lower_needs = {name for node in lower for name in node.input}
    initializers = [_copy(init) for init in graph.initializer]
    upper_only = [init for init in initializers if init.name not in lower_needs]
    shared = [init for init in initializers if init.name in lower_needs]
    infos = [_copy(info) for info in graph.value_info]

    def renamed(prefix: str) -> list[onnx.ValueInfoProto]:
        return [
            helper.make_tensor_value_info(f"{prefix}/{name}", TensorProto.FLOAT, None)
            for name in BRANCH_OUTPUTS
        ]

    for node in upper:  # the branch must not redefine the If node's own output names
        node.output[:] = [f"upper/{o}" if o in BRANCH_OUTPUTS else o for o in node.output]
    upper_branch = helper.make_graph(
        upper,
        "upper_layers",
        [],
        renamed("upper"),
        upper_only,
        value_info=[info for info in infos if info.name in upper_tensors],
    )
    exit_branch = helper.make_graph(
        [
            helper.make_node("Identity", ["exit/estimates"], ["exit/label_probs"]),
            helper.make_node("Identity", ["exit/no_tokens"], ["exit/token_probs"]),
        ],
        "early_exit",
        [],
        renamed("exit"),
    )
    head = [
        # Mean over the window's real tokens (the mask keeps padding out).
        helper.make_node("Cast", ["attention_mask"], ["exit/mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["exit/mask", "exit/last_axis"], ["exit/mask3"]),
        helper.make_node("Mul", [cut, "exit/mask3"], ["exit/masked"]),
        helper.make_node("ReduceSum", ["exit/masked", "exit/token_axis"], ["exit/sum"], keepdims=0),
        helper.make_node(
            "ReduceSum", ["exit/mask3", "exit/token_axis"], ["exit/count"], keepdims=0
        ),
        helper.make_node("Div", ["exit/sum", "exit/count"], ["exit/pooled"]),
        *_linear_sigmoid("exit/pooled", "exit/decide"),
        *_linear_sigmoid("exit/pooled", "exit/estimate"),
        helper.make_node("Min", ["exit/estimate", CEILINGS_INPUT], ["exit/estimates"]),
        # Exit when every label of every row is under its ceiling.
        helper.make_node("Sub", ["exit/decide", CEILINGS_INPUT], ["exit/margin"]),
        helper.make_node("ReduceMax", ["exit/margin"], ["exit/worst"], keepdims=0),
        helper.make_node("Less", ["exit/worst", "exit/zero"], [EXITED_OUTPUT]),
        helper.make_node("Mul", ["exit/mask", "exit/zero"], ["exit/no_tokens"]),
        helper.make_node(
            "If",
            [EXITED_OUTPUT],
            list(BRANCH_OUTPUTS),
            then_branch=exit_branch,
            else_branch=upper_branch,
        ),
    ]
    constants = [
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "exit/last_axis"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "exit/token_axis"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "exit/zero"),
        numpy_helper.from_array(exit_head[0], "exit/decide/weights"),
        numpy_helper.from_array(exit_head[1], "exit/decide/bias"),
        numpy_helper.from_array(estimate_head[0], "exit/estimate/weights"),
        numpy_helper.from_array(estimate_head[1], "exit/estimate/bias"),
    ]
    del graph.node[:]
    graph.node.extend(lower + head)
    del graph.initializer[:]
    graph.initializer.extend(shared + constants)
    del graph.value_info[:]
    graph.value_info.extend(info for info in infos if info.name not in upper_tensors)
    graph.input.append(
        helper.make_tensor_value_info(CEILINGS_INPUT, TensorProto.FLOAT, [len(exit_head[1])])
    )
    graph.output.append(helper.make_tensor_value_info(EXITED_OUTPUT, TensorProto.BOOL, []))
    return result


_Proto = TypeVar("_Proto", onnx.NodeProto, onnx.TensorProto, onnx.ValueInfoProto)


def _copy(proto: _Proto) -> _Proto:
    copied = type(proto)()
    copied.CopyFrom(proto)
    return copied


def _linear_sigmoid(pooled: str, name: str) -> list[onnx.NodeProto]:
    return [
        helper.make_node("MatMul", [pooled, f"{name}/weights"], [f"{name}/product"]),
        helper.make_node("Add", [f"{name}/product", f"{name}/bias"], [f"{name}/logits"]),
        helper.make_node("Sigmoid", [f"{name}/logits"], [name]),
    ]


def default_ceilings(labels: Sequence[str]) -> np.ndarray:
    from moderation.modeltools.evaluate_news_model import default_thresholds

    thresholds = default_thresholds()
    # A label the default policy leaves off still gets a ceiling, from the strictest one.
    floor = min(thresholds.values())
    return np.array(
        [EXIT_SHARE * (thresholds.get(label) or floor) for label in labels], dtype=np.float32
    )


def build(
    folder: Path,
    corpus: Any,
    sample: int = FIT_ROWS,
    validation_rows: int = 0,
    seed: int = 20261207,
) -> dict:
    """Fit the exit head for the model in `folder` and add the exit to its graph in place.
    Returns what meta.json records under `early_exit`."""
    model_path = folder / "model.int8.onnx"
    model = onnx.load(str(model_path))
    if CEILINGS_INPUT in {i.name for i in model.graph.input}:
        raise ValueError(f"{model_path} already has an early exit")
    layers = encoder_layers(model)
    after_layer = default_exit_layer(layers)
    if after_layer is None:
        return {"after_layer": None, "why": "one encoder layer: nothing to skip"}
    scorer = NewsModelScorer(folder, deobfuscate=False)
    train = corpus.of("train")
    random.Random(seed).shuffle(train)
    x, teacher = features(model, after_layer, [r.text for r in train[:sample]], scorer)
    exit_head, estimate_head = fit_exit_head(x, teacher), fit_estimate_head(x, teacher)
    ceilings = np.round(default_ceilings(scorer.labels), 4)  # as meta.json records them
    validation = corpus.of("validation")
    if validation_rows:
        validation = validation[:: max(1, len(validation) // validation_rows)]
    vx, vteacher = features(model, after_layer, [r.text for r in validation], scorer)
    exits: np.ndarray = np.asarray((predict(vx, *exit_head) < ceilings).all(axis=1))
    thresholds = ceilings / EXIT_SHARE
    held: np.ndarray = np.asarray((vteacher >= thresholds).any(axis=1))
    near: np.ndarray = np.asarray((vteacher >= thresholds / 2).any(axis=1))
    onnx.save(add_early_exit(model, after_layer, exit_head, estimate_head), str(model_path))
    return {
        "after_layer": after_layer,
        "of_layers": layers,
        "exit_share_of_threshold": EXIT_SHARE,
        "ceilings": dict(zip(scorer.labels, [round(float(c), 4) for c in ceilings], strict=True)),
        "fitted_on_windows": len(x),
        # First windows of validation comments as written, full model against the exit.
        "validation": {
            "windows": len(vx),
            "exited": round(float(exits.mean()), 4),
            "exited_of_those_under_half_a_threshold": round(float(exits[~near].mean()), 4),
            "holds": int(held.sum()),
            "holds_lost": int((exits & held).sum()),
            "over_half_a_threshold_exited": int((exits & near).sum()),
        },
    }


def add_to_artifact(
    folder: Path,
    corpus: Any,
    sample: int = FIT_ROWS,
    validation_rows: int = 0,
    version_suffix: str = "",
):
    """`build`, then record in meta.json the fit, the new checksum (and version) and what
    the served model measures on the validation split with the exit on (meta.json's
    `validation` is with it off, the default)."""
    from moderation.modeltools.evaluate_news_model import evaluate_artifact

    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["early_exit"] = build(folder, corpus, sample, validation_rows)
    meta["files"]["model.int8.onnx"] = sha256(folder / "model.int8.onnx")
    meta["version"] = str(meta["version"]) + version_suffix
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    if meta["early_exit"]["after_layer"]:
        report = evaluate_artifact(folder, corpus, limit=validation_rows, early_exit=True)
        meta["early_exit"]["served_with_exit_on"] = {
            "auc": {label: v["auc"] for label, v in report["overall"].items()},
            "default_policy_public_sets": report["default_policy"]["public_sets"],
            "spans_semeval_test": report["spans_semeval_test"],
            "news_probe_auc": report["news_probe_auc"],
        }
        meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def main() -> None:
    from moderation.modeltools import corpora

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_NEWS_MODEL)
    parser.add_argument("--datasets", type=Path, default=None)
    args = parser.parse_args()
    # The artifact changed in place, so its version says so; a new export has its own.
    meta = add_to_artifact(args.folder, corpora.load(args.datasets), version_suffix="-exit")
    print(json.dumps(meta["early_exit"], indent=2))


if __name__ == "__main__":
    main()
