"""Randomly initialised models in Detoxify's checkpoint format, with a local vocabulary:
for tests (tiny) and for speed measurements of the real geometries (bert-base for
'original', roberta-base for 'unbiased': random weights, the same compute). Nothing is
downloaded; the vocabulary comes from the caller's words."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DETOXIFY_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
# Detoxify 'unbiased' (Jigsaw Unintended Bias): seven toxicity labels and nine identities.
UNBIASED_CLASSES = [
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
    "male",
    "female",
    "homosexual_gay_or_lesbian",
    "christian",
    "jewish",
    "muslim",
    "black",
    "white",
    "psychiatric_or_mental_illness",
]
BERT_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
ROBERTA_SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
BASE_SIZE = {
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
}


@dataclass(frozen=True)
class Geometry:
    family: str  # "bert" or "roberta": which config, model class and tokenizer
    model_type: str  # what Detoxify's checkpoint names as its base model
    size: dict[str, int]
    classes: list[str] = field(default_factory=lambda: list(DETOXIFY_CLASSES))


TINY_SIZE = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
}
GEOMETRIES = {
    "tiny": Geometry("bert", "bert-base-uncased", TINY_SIZE),
    "tiny-roberta": Geometry("roberta", "roberta-base", TINY_SIZE, UNBIASED_CLASSES),
    "bert-base": Geometry("bert", "bert-base-uncased", BASE_SIZE),
    "roberta-base": Geometry("roberta", "roberta-base", BASE_SIZE, UNBIASED_CLASSES),
}


def write_random_checkpoint(
    directory: Path, words: list[str], geometry: str = "tiny", seed: int = 0
) -> tuple[Path, Path]:
    """Writes `<directory>/<geometry>.ckpt` (a Detoxify-format checkpoint) and the base
    model's config and tokenizer under `<directory>/hf-<geometry>`; returns both paths."""
    import torch
    import transformers

    shape = GEOMETRIES[geometry]
    hf = directory / f"hf-{geometry}"
    hf.mkdir(parents=True, exist_ok=True)
    # Any: the configs' keyword types vary and their stubs do not list num_labels.
    arguments: dict[str, Any] = {**shape.size, "num_labels": len(shape.classes)}
    if shape.family == "bert":
        arguments["vocab_size"] = _bert_tokenizer(hf, words)
        config: Any = transformers.BertConfig(max_position_embeddings=512, **arguments)
        names = ("BertForSequenceClassification", "BertTokenizer")
    else:
        arguments["vocab_size"] = _roberta_tokenizer(hf, words)
        # RoBERTa counts positions from pad_token_id + 1, hence 514 for 512 tokens.
        config = transformers.RobertaConfig(
            max_position_embeddings=514,
            type_vocab_size=1,
            pad_token_id=1,
            bos_token_id=0,
            eos_token_id=2,
            **arguments,
        )
        names = ("RobertaForSequenceClassification", "RobertaTokenizer")
    config.save_pretrained(str(hf))
    torch.manual_seed(seed)
    model = getattr(transformers, names[0])(config)
    checkpoint = directory / f"{geometry}.ckpt"
    torch.save(
        {
            "config": {
                "arch": {
                    "args": {
                        "model_type": shape.model_type,
                        "model_name": names[0],
                        "tokenizer_name": names[1],
                        "num_classes": len(shape.classes),
                    }
                },
                "dataset": {"args": {"classes": shape.classes}},
            },
            "state_dict": model.state_dict(),
        },
        checkpoint,
    )
    return checkpoint, hf


def _bert_tokenizer(hf: Path, words: list[str]) -> int:
    import transformers

    vocabulary = BERT_SPECIAL_TOKENS + [w for w in words if w not in BERT_SPECIAL_TOKENS]
    (hf / "vocab.txt").write_text("\n".join(vocabulary) + "\n")
    tokenizer_class = getattr(transformers, "BertTokenizerFast")  # noqa: B009 - lazy export
    tokenizer_class(vocab_file=str(hf / "vocab.txt")).save_pretrained(str(hf))
    return len(vocabulary)


def _roberta_tokenizer(hf: Path, words: list[str]) -> int:
    """A byte-level BPE, as RoBERTa's, learnt from the words given (RoBERTa's own has 50,265
    entries; the size of the vocabulary does not change the cost of a forward pass)."""
    from tokenizers import ByteLevelBPETokenizer

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        [" " + w for w in words],
        vocab_size=8_000,
        min_frequency=1,
        special_tokens=ROBERTA_SPECIAL_TOKENS,
    )
    bpe.save_model(str(hf))  # vocab.json and merges.txt, the files RobertaTokenizer reads
    import transformers

    tokenizer_class = getattr(transformers, "RobertaTokenizerFast")  # noqa: B009
    # from_pretrained reads vocab.json and merges.txt in transformers 4 and 5 alike (the
    # constructors' argument names differ between them).
    tokenizer_class.from_pretrained(str(hf)).save_pretrained(str(hf))
    return int(bpe.get_vocab_size())
