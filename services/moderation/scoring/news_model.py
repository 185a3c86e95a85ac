"""The shipped default toxicity model: a fine-tuned MiniLM encoder served as int8 ONNX.

Needs only onnxruntime and the Rust `tokenizers` package at run time (no torch). The
artifact (models/news_minilm/: model.int8.onnx, tokenizer.json, meta.json) is rebuilt by
`make train-model` (modeltools/train_news_model.py); meta.json records each file's
SHA-256, which is checked at load, so a corrupted or swapped file never serves.

Each comment is scored in up to two views (text/readable.py): as written, and
de-obfuscated ("you 1d10t", "s t u p i d", "ｉｄｉｏｔ"), the second only when it differs.
Each label takes its maximum over views and over windows of a long comment. A token head
marks the words that drove the score; those become character spans of the original body.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from moderation.domain.events import ModelRef
from moderation.scoring.model_store import sha256
from moderation.text.readable import Mapped, deobfuscated, for_model

log = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_NEWS_MODEL = MODELS_DIR / "news_minilm"
TRAIN_MAX_TOKENS = 128  # longest window the model was trained on (and is served with)
SPAN_THRESHOLD = 0.5
LEXICON = MODELS_DIR / "lexicon.yaml"
# onnxruntime fusions the scorer turns off when it loads a model. Its fused residual+LayerNorm
# kernel is about 4x slower than the plain operators the export leaves in the graph
# (modeltools/layer_norms.py), and would otherwise be fused back at load.
UNFUSED_AT_LOAD = ("SkipLayerNormFusion",)
# The early exit's input and output (modeltools/early_exit.py): per-label ceilings under
# which a window skips the upper layers (zeros: it never does), and whether it did.
CEILINGS_INPUT = "exit_ceilings"
EXITED_OUTPUT = "exited"


class ModelIntegrityError(RuntimeError):
    """A model file differs from the SHA-256 its meta.json records."""


@dataclass(frozen=True)
class ToxicSpan:
    start: int
    end: int
    score: float


def _vocabulary() -> list[str]:
    """Words a leetspeak or masked token ("1d10t", "st*pid") may be read as: every word of
    the lexicon's lists (models/lexicon.yaml), prefixes without their '*'."""
    import yaml

    lists = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    words = {w.rstrip("*") for entries in lists.values() for e in entries for w in str(e).split()}
    return sorted(w for w in words if w.isalpha())


class NewsModelScorer:
    """Implements `ToxicityScorer`, plus `score_with_spans` for the classifier's reasons."""

    backend = "news-minilm"

    def __init__(
        self,
        path: Path | str = DEFAULT_NEWS_MODEL,
        threads: int | None = None,
        deobfuscate: bool = True,
        early_exit: bool = False,
    ) -> None:
        from tokenizers import Tokenizer

        folder = Path(path)
        meta_path = folder / "meta.json"
        if not meta_path.exists():
            raise FileNotFoundError(
                f"news model not found at {folder}: run `make train-model` (docs/models.md)"
            )
        self.meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        for name, expected in self.meta["files"].items():
            actual = sha256(folder / name)
            if actual != expected:
                raise ModelIntegrityError(
                    f"{folder / name}: SHA-256 {actual} differs from meta.json's {expected}; "
                    "rebuild with `make train-model` or restore the file"
                )
        self.labels: tuple[str, ...] = tuple(self.meta["labels"])
        self.model = ModelRef(backend=self.backend, version=str(self.meta["version"]))
        self.window = int(self.meta.get("max_tokens", TRAIN_MAX_TOKENS))
        self.deobfuscate = deobfuscate
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self.threads = threads or os.cpu_count() or 1
        self._session = _session(folder, self.threads)
        # Several windows at once, each on one core, keep the cores busier than one window
        # split over them: 1.20x the comments/s on 2 cores (median of 5 interleaved runs of
        # 600 news-length comments). One window alone still uses every core, for the lowest
        # latency of a single comment. The int8 kernels give the same bits either way
        # (checked on 744 windows, and by tests/unit/test_news_model.py), so a comment's
        # scores do not depend on the path it took.
        self._one_core: Any = _session(folder, 1) if self.threads > 1 else None
        self._pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None
        # A model with an early exit (modeltools/early_exit.py) takes it only when asked:
        # 1.1-1.3x the throughput and almost the same decisions at the default thresholds
        # (2 of 4,616 validation holds lost), but the scores of windows that exit are
        # estimates. Ceilings of zero keep every window to the last layer.
        ceilings = (self.meta.get("early_exit") or {}).get("ceilings")
        self.early_exit = bool(early_exit and ceilings)
        if early_exit and not ceilings:
            log.warning("%s has no early exit; every window runs through every layer", folder)
        self._feeds: dict[str, np.ndarray] = {}
        if ceilings:
            values = [ceilings[label] if self.early_exit else 0.0 for label in self.labels]
            self._feeds[CEILINGS_INPUT] = np.array(values, dtype=np.float32)
        if self.early_exit:  # every decision says whether its scores may be estimates
            self.model = ModelRef(backend=self.backend, version=f"{self.model.version}+early-exit")
        # How many windows took the exit, for the benchmark; one scorer may serve several
        # threads (the scoring API), hence the lock.
        self.windows_scored = 0
        self.windows_exited = 0
        self._counting = threading.Lock()

    @cached_property
    def _vocabulary(self) -> list[str]:
        return _vocabulary()

    def views(self, text: str) -> list[Mapped]:
        """The texts the model reads for one comment (see the module docstring)."""
        plain = for_model(text)
        if not self.deobfuscate:
            return [plain]
        clear = deobfuscated(text, self._vocabulary)
        return [plain] if clear.text == plain.text else [plain, clear]

    def score_batch(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return self.score_with_spans(texts)[0]

    def score_with_spans(
        self, texts: Sequence[str]
    ) -> tuple[list[dict[str, float]], list[list[ToxicSpan]]]:
        if not texts:
            return [], []
        views: list[Mapped] = []
        view_owner: list[int] = []
        for index, text in enumerate(texts):
            for view in self.views(text):
                views.append(view)
                view_owner.append(index)
        rows, row_view, row_offsets = self._windows([v.text for v in views])
        label_probs, token_probs = self._run(rows)

        best = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        spans: list[list[ToxicSpan]] = [[] for _ in texts]
        for row, view_index in enumerate(row_view):
            owner = view_owner[view_index]
            np.maximum(best[owner], label_probs[row], out=best[owner])
            view = views[view_index]
            for (start, end), score in zip(row_offsets[row], token_probs[row], strict=False):
                if score >= SPAN_THRESHOLD and end > start:
                    first, last = view.original_span(start, end)
                    spans[owner].append(ToxicSpan(first, last, float(score)))
        scores = [
            {label: float(p) for label, p in zip(self.labels, row, strict=True)}
            for row in best.tolist()
        ]
        return scores, [_merge(s, text) for s, text in zip(spans, texts, strict=True)]

    def _windows(
        self, texts: list[str]
    ) -> tuple[list[list[int]], list[int], list[list[tuple[int, int]]]]:
        """Token ids of every window (at most `self.window` tokens, [CLS]/[SEP] included),
        the view each window belongs to, and each token's character offsets in its view."""
        rows: list[list[int]] = []
        owners: list[int] = []
        offsets: list[list[tuple[int, int]]] = []
        cls_id = int(self._tokenizer.token_to_id("[CLS]") or 0)
        sep_id = int(self._tokenizer.token_to_id("[SEP]") or 0)
        inner = self.window - 2
        stride = inner - inner // 4  # windows overlap by a quarter
        for index, encoding in enumerate(self._tokenizer.encode_batch(texts)):
            ids, offs = encoding.ids[1:-1], encoding.offsets[1:-1]  # without [CLS], [SEP]
            starts = range(0, max(len(ids) - inner, 0) + 1, stride) if ids else [0]
            last = None
            for start in starts:
                last = start
                rows.append([cls_id, *ids[start : start + inner], sep_id])
                offsets.append([(0, 0), *offs[start : start + inner], (0, 0)])
                owners.append(index)
            if ids and last is not None and last + inner < len(ids):  # the tail window
                tail = len(ids) - inner
                rows.append([cls_id, *ids[tail:], sep_id])
                offsets.append([(0, 0), *offs[tail:], (0, 0)])
                owners.append(index)
        return rows, owners, offsets

    def _run(self, rows: list[list[int]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """One window per ONNX call. Dynamic int8 quantisation picks one activation scale
        for the whole input tensor, so in a padded batch a comment's scores moved with its
        neighbours (by up to 0.04, enough to cross a threshold). Alone, a comment always gets
        the same scores, whichever batch, worker or API call it arrives in; on 2 CPU cores
        this cost 5 % of the throughput of length-sorted batches (docs/models.md)."""
        labels = np.zeros((len(rows), len(self.labels)), dtype=np.float32)
        tokens: list[np.ndarray] = []
        if self._pool is not None and len(rows) > 1:
            # onnxruntime releases the GIL in run(), and a session may run in many threads.
            outputs = list(
                self._pool.map(lambda row: _run_window(self._one_core, row, self._feeds), rows)
            )
        else:
            outputs = [_run_window(self._session, row, self._feeds) for row in rows]
        for i, (label_probs, token_probs, _) in enumerate(outputs):
            labels[i] = label_probs
            tokens.append(token_probs)
        with self._counting:
            self.windows_exited += sum(exited for _, _, exited in outputs)
            self.windows_scored += len(rows)
        return labels, tokens

    def describe(self) -> str:
        figures = self.meta.get("validation", {}).get("overall", {})
        auc = figures.get("toxicity", {}).get("auc")
        exit_layer = (self.meta.get("early_exit") or {}).get("after_layer")
        exit_note = (
            f"; clearly harmless windows exit after layer {exit_layer}"
            if self.early_exit and exit_layer
            else ""
        )
        return (
            f"toxicity model: the shipped news model {self.model.version} (fine-tuned MiniLM, "
            f"int8 ONNX; labels: {', '.join(self.labels)}; toxicity AUC {auc} on its "
            f"validation split{exit_note}; docs/models.md)"
        )


def _session(folder: Path, threads: int) -> Any:
    return open_session(folder / "model.int8.onnx", threads)


def open_session(model: Path | bytes, threads: int) -> Any:
    """An onnxruntime session as the scorer opens one: CPU, `threads` cores, the fusions
    in UNFUSED_AT_LOAD off. `model` is a file or a serialised graph."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(
        model if isinstance(model, bytes) else str(model),
        options,
        providers=["CPUExecutionProvider"],
        disabled_optimizers=list(UNFUSED_AT_LOAD),
    )


def _run_window(
    session: Any, row: list[int], feeds: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Label probabilities and token probabilities of one window, and whether it took the
    early exit (a model without one never does)."""
    ids = np.array([row], dtype=np.int64)
    outputs = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids), **feeds})
    exited = bool(outputs[2]) if len(outputs) > 2 else False
    return outputs[0][0], outputs[1][0], exited


def _merge(spans: list[ToxicSpan], text: str) -> list[ToxicSpan]:
    """Overlapping or touching token spans -> whole-word spans, in body order.

    Word pieces ("id", "##iot") and the same word found in two views become one span; a
    gap of spaces or punctuation between two marked words joins them into a phrase."""
    if not spans:
        return []
    ordered = sorted(spans, key=lambda s: (s.start, -s.end))
    merged: list[ToxicSpan] = [ordered[0]]
    for span in ordered[1:]:
        previous = merged[-1]
        gap = text[previous.end : span.start]
        if span.start <= previous.end or (len(gap) <= 2 and not gap.strip(" ,.'-")):
            merged[-1] = ToxicSpan(
                previous.start, max(previous.end, span.end), max(previous.score, span.score)
            )
        else:
            merged.append(span)
    return [_whole_words(s, text) for s in merged]


def _whole_words(span: ToxicSpan, text: str) -> ToxicSpan:
    start, end = span.start, span.end
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return ToxicSpan(start, end, span.score)
