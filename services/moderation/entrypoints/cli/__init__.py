"""The `moderation` command line: one module per area, wired together here in the order
`moderation --help` lists them."""

from __future__ import annotations

import typer

from moderation.entrypoints.cli import accounts, bench, kafka, models, scoring, system

app = typer.Typer(
    help="Event-driven comment moderation for news publishers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(system.broker)
app.command()(system.run)
app.command()(system.dev)
app.command()(scoring.score)
app.command("eval")(scoring.evaluate)
app.command()(system.schemas)
app.command("bench")(bench.bench_command)
app.add_typer(kafka.article_app, name="article")
app.add_typer(accounts.users_app, name="users")
app.add_typer(accounts.api_keys_app, name="api-keys")
app.add_typer(kafka.topics_app, name="topics")
app.add_typer(kafka.decisions_app, name="decisions")
app.add_typer(kafka.dlq_app, name="dlq")
app.add_typer(models.models_app, name="models")


def main() -> None:
    app()
