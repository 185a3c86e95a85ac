"""A tiny, randomly initialised BERT in Detoxify's checkpoint format, with a small local
vocabulary: the real loading path runs on it in seconds, with nothing downloaded."""

from __future__ import annotations

from pathlib import Path

CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
WORDS = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "the",
    "a",
    "an",
    "you",
    "are",
    "is",
    "idiot",
    "stupid",
    "thanks",
    "for",
    "this",
    "report",
    "council",
    "great",
    "bad",
    "hate",
    "love",
    "moron",
    "trash",
    "careful",
    "budget",
    "story",
    "on",
    "of",
    "and",
    "to",
    "in",
    "it",
    "was",
    "very",
    "nice",
    "piece",
    "kill",
]


def build_tiny_checkpoint(directory: Path, seed: int = 0) -> tuple[Path, Path]:
    """Returns (checkpoint.ckpt, hf_dir)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    hf = directory / "hf-tiny-bert"
    hf.mkdir(parents=True, exist_ok=True)
    (hf / "vocab.txt").write_text("\n".join(WORDS) + "\n")
    BertTokenizerFast(vocab_file=str(hf / "vocab.txt")).save_pretrained(str(hf))
    config = BertConfig(
        vocab_size=len(WORDS),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        num_labels=len(CLASSES),
    )
    config.save_pretrained(str(hf))
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config)
    checkpoint = directory / "tiny.ckpt"
    torch.save(
        {
            "config": {
                "arch": {
                    "args": {
                        "model_type": "bert-base-uncased",
                        "model_name": "BertForSequenceClassification",
                        "tokenizer_name": "BertTokenizer",
                        "num_classes": len(CLASSES),
                    }
                },
                "dataset": {"args": {"classes": CLASSES}},
            },
            "state_dict": model.state_dict(),
        },
        checkpoint,
    )
    return checkpoint, hf
