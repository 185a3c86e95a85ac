"""A tiny, randomly initialised BERT in Detoxify's checkpoint format, with a small local
vocabulary: the real loading path runs on it in seconds, with nothing downloaded."""

from __future__ import annotations

from pathlib import Path

from moderation.modeltools.synthetic import write_random_checkpoint

WORDS = [
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
    return write_random_checkpoint(directory, WORDS, "tiny", seed)
