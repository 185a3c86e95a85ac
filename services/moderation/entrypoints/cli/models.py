"""Detoxify models in the local model directory (tooling in moderation/modeltools)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from moderation.entrypoints.cli.errors import failing_on
from moderation.scoring.model_store import ModelStoreError

models_app = typer.Typer(help="Detoxify models in the local model directory.")
ModelDir = Annotated[
    Path | None, typer.Option("--model-dir", help="default: MODERATION_MODEL_DIR or ./models")
]


def _model_dir(model_dir: Path | None) -> Path:
    from moderation.settings import ModerationSettings

    return model_dir or ModerationSettings().model_dir


def _print_stored(target: Path) -> None:
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        typer.echo(f"{path.stat().st_size:>12,}  {path}")


@models_app.command("fetch")
def models_fetch(variant: str, model_dir: ModelDir = None) -> None:
    """Download a Detoxify checkpoint and its base model's config/tokenizer (needs
    internet; run it where images are built), verify, convert to safe files."""
    from moderation.modeltools.detoxify_import import fetch

    with failing_on(ModelStoreError):
        target = fetch(variant, _model_dir(model_dir))
    _print_stored(target)


@models_app.command("import")
def models_import(
    variant: str,
    checkpoint: Annotated[Path, typer.Option(exists=True, dir_okay=False)],
    hf_dir: Annotated[
        Path,
        typer.Option(exists=True, file_okay=False, help="the base model's config and tokenizer"),
    ],
    model_dir: ModelDir = None,
) -> None:
    """Convert a Detoxify checkpoint you already have into the model directory."""
    from moderation.modeltools.detoxify_import import import_checkpoint

    with failing_on(ModelStoreError):
        target = import_checkpoint(checkpoint, hf_dir, _model_dir(model_dir), variant)
    _print_stored(target)


@models_app.command("list")
def models_list(model_dir: ModelDir = None) -> None:
    """Variants in the model directory, with their ONNX exports and sizes."""
    from moderation.modeltools.detoxify_import import VARIANTS
    from moderation.scoring.model_store import installed

    found = {m["variant"]: m for m in installed(_model_dir(model_dir))}
    for name in VARIANTS:
        meta = found.get(name)
        state = (
            f"installed, {meta['size_mb']} MB, onnx: {', '.join(meta['onnx']) or '-'}"
            if meta
            else "not installed"
        )
        typer.echo(f"{name:<16} {state}")
    for name in sorted(set(found) - set(VARIANTS)):
        typer.echo(f"{name:<16} installed (custom), {found[name]['size_mb']} MB")


@models_app.command("info")
def models_info(variant: str, model_dir: ModelDir = None) -> None:
    """Everything recorded about an installed variant, as JSON."""
    from moderation.scoring.model_store import read_meta

    with failing_on(ModelStoreError):
        typer.echo(json.dumps(read_meta(_model_dir(model_dir), variant), indent=2))


@models_app.command("export-onnx")
def models_export_onnx(
    variant: str,
    model_dir: ModelDir = None,
    int8: Annotated[bool, typer.Option("--int8", help="also a dynamically quantised copy")] = False,
) -> None:
    """Export an installed variant to ONNX for the `onnx` backend."""
    from moderation.scoring.transformer import export_onnx

    for path in export_onnx(_model_dir(model_dir), variant, int8):
        typer.echo(f"{path.stat().st_size:>12,}  {path}")


@models_app.command("random-init")
def models_random_init(
    geometry: Annotated[str, typer.Argument(help="tiny, tiny-roberta, bert-base, roberta-base")],
    model_dir: ModelDir = None,
) -> None:
    """Install a randomly initialised model of a real geometry as variant GEOMETRY: it
    scores nothing meaningfully, but costs what the real model costs (for benchmarks)."""
    from moderation.modeltools.random_model import install_random_model

    target = _model_dir(model_dir)
    install_random_model(target, geometry)
    typer.echo(f"installed random {geometry} as variant '{geometry}' in {target}")
