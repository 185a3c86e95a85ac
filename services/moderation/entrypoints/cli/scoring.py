"""Scoring and measuring in this process, with no broker: `score` and `eval`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from moderation.entrypoints.cli.errors import failing_on

InputFile = Annotated[
    Path, typer.Option("--input", "-i", exists=True, dir_okay=False, help="a JSON-lines file")
]
PolicyFile = Annotated[
    Path | None, typer.Option("--policy", help="policy YAML (default: MODERATION_POLICY_FILE)")
]


def score(
    input: InputFile,
    policy: PolicyFile = None,
    articles: Annotated[
        Path | None, typer.Option(help="JSON-lines file of ArticleContext objects")
    ] = None,
) -> None:
    """Score comments in-process (lines with `body`, optionally `article_id`); one decision
    per line on stdout."""
    from moderation.entrypoints.cli.offline import InputError, load_articles, score_file
    from moderation.service_layer.bootstrap import build_classifier
    from moderation.settings import ModerationSettings

    settings = ModerationSettings()
    if policy:
        settings.policy_file = policy
    classifier = build_classifier(settings, load_articles(articles).get)
    typer.echo(classifier.scorer.describe(), err=True)
    with failing_on(InputError, code=2):
        for line in score_file(input, classifier):
            sys.stdout.write(line + "\n")


def evaluate(
    input: InputFile,
    policy: PolicyFile = None,
    target_precision: Annotated[
        float | None, typer.Option(help="suggest the threshold that reaches this precision")
    ] = None,
    target_recall: Annotated[
        float | None, typer.Option(help="suggest the threshold that reaches this recall")
    ] = None,
) -> None:
    """Measure the toxicity model on `{"text", "label"}` lines (optionally per-label 0/1
    columns); the last line is JSON."""
    from moderation.domain.policy import load_policy
    from moderation.entrypoints.cli.offline import InputError
    from moderation.entrypoints.cli.offline import evaluate as run_eval
    from moderation.scoring.factory import load_scorer
    from moderation.settings import ModerationSettings

    settings = ModerationSettings()
    scorer = load_scorer(settings)
    typer.echo(scorer.describe(), err=True)
    loaded_policy = load_policy(policy or settings.policy_file)
    with failing_on(InputError, code=2):
        result = run_eval(input, scorer, loaded_policy, target_precision, target_recall)
    typer.echo(json.dumps(result))
