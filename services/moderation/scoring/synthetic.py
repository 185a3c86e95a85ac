"""Randomly initialised BERT models in Detoxify's checkpoint format, with a local
vocabulary: for tests (tiny) and for speed measurements (bert-base geometry, the compute
of Detoxify 'original'). Nothing is downloaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DETOXIFY_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
GEOMETRIES: dict[str, dict[str, Any]] = {
    "tiny": {
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
    },
    "bert-base": {
        "hidden_size": 768,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
    },
}


def write_random_checkpoint(
    directory: Path, words: list[str], geometry: str = "tiny", seed: int = 0
) -> tuple[Path, Path]:
    """Writes `<directory>/<geometry>.ckpt` (a Detoxify-format checkpoint) and the base
    model's config and tokenizer under `<directory>/hf-<geometry>`; returns both paths."""
    import torch
    import transformers

    hf = directory / f"hf-{geometry}"
    hf.mkdir(parents=True, exist_ok=True)
    vocabulary = SPECIAL_TOKENS + [w for w in words if w not in SPECIAL_TOKENS]
    (hf / "vocab.txt").write_text("\n".join(vocabulary) + "\n")
    tokenizer_class = getattr(transformers, "BertTokenizerFast")  # noqa: B009 - lazy export
    tokenizer_class(vocab_file=str(hf / "vocab.txt")).save_pretrained(str(hf))
    arguments: Any = {
        **GEOMETRIES[geometry],
        "num_labels": len(DETOXIFY_CLASSES),
        "max_position_embeddings": 512,
    }
    config = transformers.BertConfig(vocab_size=len(vocabulary), **arguments)
    config.save_pretrained(str(hf))
    torch.manual_seed(seed)
    checkpoint = directory / f"{geometry}.ckpt"
    torch.save(
        {
            "config": {
                "arch": {
                    "args": {
                        "model_type": "bert-base-uncased",
                        "model_name": "BertForSequenceClassification",
                        "tokenizer_name": "BertTokenizer",
                        "num_classes": len(DETOXIFY_CLASSES),
                    }
                },
                "dataset": {"args": {"classes": DETOXIFY_CLASSES}},
            },
            "state_dict": transformers.BertForSequenceClassification(config).state_dict(),
        },
        checkpoint,
    )
    return checkpoint, hf
