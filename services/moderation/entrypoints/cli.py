"""The `moderation` command line."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from moderation.roles import ROLES

app = typer.Typer(
    help="Event-driven comment moderation for news publishers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

InputFile = Annotated[
    Path, typer.Option("--input", "-i", exists=True, dir_okay=False, help="a JSON-lines file")
]
T = TypeVar("T")
PolicyFile = Annotated[
    Path | None, typer.Option("--policy", help="policy YAML (default: MODERATION_POLICY_FILE)")
]


@app.command()
def broker(port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 9092) -> None:
    """Start the embedded Kafka-compatible broker (memory-only) and create the topics."""
    from moderation.adapters.embedded_broker import EmbeddedBroker
    from moderation.adapters.kafka import ensure_topics
    from moderation.settings import KafkaSettings

    embedded = EmbeddedBroker(port)
    try:
        embedded.start()
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    created = asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=embedded.bootstrap)))
    typer.echo(f"broker listening on {embedded.bootstrap}; created topics: {', '.join(created)}")
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping:
            if embedded.process and embedded.process.poll() is not None:
                typer.echo("broker process exited unexpectedly", err=True)
                raise typer.Exit(1)
            time.sleep(0.2)
    finally:
        embedded.stop()
        typer.echo("broker stopped")


@app.command()
def run(role: Annotated[str, typer.Argument(help=f"one of: {', '.join(ROLES)}")]) -> None:
    """Run one role in this process, configured from the environment."""
    from moderation.entrypoints.roles import run_role

    run_role(role)


@app.command()
def dev(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="all state goes here")] = Path("var"),
    broker_port: Annotated[int, typer.Option(help="port of the embedded broker")] = 9092,
) -> None:
    """Run the whole system locally (embedded broker unless KAFKA_BOOTSTRAP_SERVERS is set)."""
    from moderation.entrypoints.dev import run_dev

    try:
        run_dev(data_dir, broker_port)
    except RuntimeError as exc:  # start-up problems the user can fix: say what, not where
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _scorer_and_policy(policy_file: Path | None):
    from moderation.domain.policy import load_policy
    from moderation.scoring.factory import load_scorer
    from moderation.settings import ModerationSettings

    settings = ModerationSettings()
    scorer = load_scorer(settings)
    typer.echo(scorer.describe(), err=True)
    return scorer, load_policy(policy_file or settings.policy_file)


@app.command()
def score(
    input: InputFile,
    policy: PolicyFile = None,
    articles: Annotated[
        Path | None, typer.Option(help="JSON-lines file of ArticleContext objects")
    ] = None,
) -> None:
    """Score comments in-process (lines with `body`, optionally `article_id`); one decision
    per line on stdout."""
    from moderation.bootstrap import build_classifier
    from moderation.entrypoints.offline import InputError, load_articles, score_file
    from moderation.settings import ModerationSettings

    settings = ModerationSettings()
    if policy:
        settings.policy_file = policy
    classifier = build_classifier(settings, load_articles(articles).get)
    typer.echo(classifier.scorer.describe(), err=True)
    try:
        for line in score_file(input, classifier):
            sys.stdout.write(line + "\n")
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("eval")
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
    from moderation.entrypoints.offline import InputError
    from moderation.entrypoints.offline import evaluate as run_eval

    scorer, loaded_policy = _scorer_and_policy(policy)
    try:
        result = run_eval(input, scorer, loaded_policy, target_precision, target_recall)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result))


@app.command()
def schemas(
    out: Annotated[Path | None, typer.Option(help="directory (default: schemas/)")] = None,
) -> None:
    """Regenerate the JSON Schema files and the AsyncAPI document."""
    from moderation.contracts import SCHEMAS_DIR, write_all

    for path in write_all(out or SCHEMAS_DIR):
        typer.echo(f"wrote {path}")


article_app = typer.Typer(help="Article context (what the classifier knows about an article).")
app.add_typer(article_app, name="article")


@article_app.command("set")
def article_set(
    file: Annotated[
        Path,
        typer.Option("--file", "-f", exists=True, dir_okay=False, help="an ArticleContext as JSON"),
    ],
) -> None:
    """Publish an ArticleContext to articles.context (key = article_id); classifiers apply
    it to comments they process after it arrives."""
    from pydantic import ValidationError

    from moderation.adapters.kafka import publish_article_context
    from moderation.domain.events import ArticleContext
    from moderation.settings import KafkaSettings

    try:
        context = ArticleContext.model_validate_json(file.read_bytes())
    except ValidationError as exc:
        typer.echo(f"error: {file} is not a valid ArticleContext:\n{exc}", err=True)
        raise typer.Exit(2) from None
    settings = KafkaSettings()
    asyncio.run(publish_article_context(settings, context))
    typer.echo(f"published context of {context.article_id} to {settings.bootstrap_servers}")


DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="the service's data dir (default: MODERATION_DATA_DIR or ./var)"
    ),
]


def _in_database(service: str, data_dir: Path | None, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(connection)` in one transaction on the service's database, migrated first
    (`service` is "queue" or "store"); a ValueError is the user's mistake: exit 2."""
    from moderation.db import make_engine, migrate
    from moderation.settings import ModerationSettings, queue_dsn, store_dsn

    settings = ModerationSettings()
    if data_dir is not None:
        settings.data_dir = data_dir
    dsn = queue_dsn(settings) if service == "queue" else store_dsn(settings)

    async def run() -> T:
        engine = make_engine(dsn)
        try:
            await migrate(engine, service)
            async with engine.begin() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


users_app = typer.Typer(help="Moderator accounts of the moderator queue.")
app.add_typer(users_app, name="users")


def _read_password(password: str | None, password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if password is not None:
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Option(help="login name")],
    password: Annotated[
        str | None,
        typer.Option(
            help="at least 8 characters; visible to other users of this machine: prefer the "
            "prompt (leave it out) or --password-stdin"
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    role: Annotated[str, typer.Option(help="moderator or admin")] = "moderator",
    data_dir: DataDir = None,
) -> None:
    """Create a moderator account, or reset its password and role (which ends its
    sessions); argon2-hashed."""
    from moderation.queue.auth import add_user

    secret = _read_password(password, password_stdin)
    _in_database("queue", data_dir, lambda conn: add_user(conn, username, secret, role))
    typer.echo(f"user {username!r} ({role}) saved")


@users_app.command("list")
def users_list(data_dir: DataDir = None) -> None:
    """Every account: name, role, created, enabled or disabled."""
    from moderation.queue.auth import list_users

    for user in _in_database("queue", data_dir, list_users):
        state = f"disabled {user.disabled_at:%Y-%m-%d %H:%M}" if user.disabled_at else "enabled"
        typer.echo(f"{user.username:<24} {user.role:<10} {user.created_at:%Y-%m-%d}  {state}")


@users_app.command("disable")
def users_disable(username: str, data_dir: DataDir = None) -> None:
    """Stop an account from logging in and end its sessions (its audit history stays)."""
    from moderation.queue.auth import set_disabled

    _in_database("queue", data_dir, lambda conn: set_disabled(conn, username, True))
    typer.echo(f"user {username!r} disabled; their sessions are ended")


@users_app.command("enable")
def users_enable(username: str, data_dir: DataDir = None) -> None:
    """Let a disabled account log in again."""
    from moderation.queue.auth import set_disabled

    _in_database("queue", data_dir, lambda conn: set_disabled(conn, username, False))
    typer.echo(f"user {username!r} enabled")


api_keys_app = typer.Typer(help="Site API keys of the comment store.")
app.add_typer(api_keys_app, name="api-keys")


@api_keys_app.command("create")
def api_keys_create(
    site_id: Annotated[str, typer.Option("--site-id", help="the site the key acts for")],
    data_dir: DataDir = None,
) -> None:
    """Create a key for a site; the key is printed on the last line, once (only its hash
    is stored)."""
    from moderation.store.api_keys import create_key

    key_id, key = _in_database("store", data_dir, lambda conn: create_key(conn, site_id))
    typer.echo(
        f"API key {key_id} for site {site_id!r} (shown only now; send it as "
        "`Authorization: Bearer KEY`):"
    )
    typer.echo(key)


@api_keys_app.command("list")
def api_keys_list(data_dir: DataDir = None) -> None:
    """Every key: id, site, created, revoked (never the keys themselves)."""
    from moderation.store.api_keys import list_keys

    for info in _in_database("store", data_dir, list_keys):
        state = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "live"
        typer.echo(f"{info.key_id}  {info.site_id:<24} {info.created_at:%Y-%m-%d %H:%M}  {state}")


@api_keys_app.command("revoke")
def api_keys_revoke(key_id: str, data_dir: DataDir = None) -> None:
    """Revoke a key by its id (from `list`); it stops working at once."""
    from moderation.store.api_keys import revoke_key

    if not _in_database("store", data_dir, lambda conn: revoke_key(conn, key_id)):
        typer.echo(f"error: no live key {key_id!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"key {key_id} revoked")


topics_app = typer.Typer(help="Kafka topics, as defined in moderation/topics.py.")
app.add_typer(topics_app, name="topics")


@topics_app.command("create")
def topics_create(
    replication: Annotated[int, typer.Option(help="replication factor")] = 1,
    wait: Annotated[float, typer.Option(help="seconds to wait for the cluster")] = 120.0,
) -> None:
    """Create every topic that does not exist yet (partitions and configs from the code)."""
    from moderation.adapters.kafka import ensure_topics, wait_for_broker
    from moderation.settings import KafkaSettings

    settings = KafkaSettings()

    async def create() -> list[str]:
        await wait_for_broker(settings, timeout_s=wait)
        return await ensure_topics(settings, replication=replication)

    try:
        created = asyncio.run(create())
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created: {', '.join(created) or 'nothing (all exist)'}")


dlq_app = typer.Typer(help="Dead-letter topics.")
app.add_typer(dlq_app, name="dlq")


@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[str, typer.Option(help="the dead-letter topic")] = "comments.submitted.dlq",
    limit: Annotated[int | None, typer.Option(help="replay at most this many")] = None,
    dry_run: Annotated[bool, typer.Option(help="count, send nothing, commit nothing")] = False,
) -> None:
    """Send dead-lettered records back to their source topic (original bytes, key, headers)."""
    from moderation.adapters.dlq_replay import replay
    from moderation.settings import KafkaSettings

    report = asyncio.run(replay(KafkaSettings(), topic, limit, dry_run))
    typer.echo(
        json.dumps(
            {
                "replayed": report.replayed,
                "skipped": report.skipped,
                "by_target": report.by_target,
                "dry_run": dry_run,
            }
        )
    )


models_app = typer.Typer(help="Detoxify models in the local model directory.")
app.add_typer(models_app, name="models")
ModelDir = Annotated[
    Path | None, typer.Option("--model-dir", help="default: MODERATION_MODEL_DIR or ./models")
]


def _model_dir(model_dir: Path | None) -> Path:
    from moderation.settings import ModerationSettings

    return model_dir or ModerationSettings().model_dir


@models_app.command("fetch")
def models_fetch(variant: str, model_dir: ModelDir = None) -> None:
    """Download a Detoxify checkpoint and its base model's config/tokenizer (needs
    internet; run it where images are built), verify, convert to safe files."""
    from moderation.scoring.model_store import ModelStoreError, fetch

    try:
        target = fetch(variant, _model_dir(model_dir))
    except ModelStoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
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
    from moderation.scoring.model_store import ModelStoreError, import_checkpoint

    try:
        target = import_checkpoint(checkpoint, hf_dir, _model_dir(model_dir), variant)
    except ModelStoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    _print_stored(target)


def _print_stored(target: Path) -> None:
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        typer.echo(f"{path.stat().st_size:>12,}  {path}")


@models_app.command("list")
def models_list(model_dir: ModelDir = None) -> None:
    """Variants in the model directory, with their ONNX exports and sizes."""
    from moderation.scoring.model_store import VARIANTS, installed

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
    from moderation.scoring.model_store import ModelStoreError, read_meta

    try:
        typer.echo(json.dumps(read_meta(_model_dir(model_dir), variant), indent=2))
    except ModelStoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


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
    import tempfile

    from moderation.benchmarks.corpus import comment_bodies
    from moderation.benchmarks.transformer_speed import build_random_model

    target = _model_dir(model_dir)
    with tempfile.TemporaryDirectory() as scratch:
        built = build_random_model(Path(scratch), geometry, comment_bodies(2_000, seed=13))
        shutil.copytree(built / geometry, target / geometry, dirs_exist_ok=True)
    typer.echo(f"installed random {geometry} as variant '{geometry}' in {target}")


@app.command("bench")
def bench_command(
    scorer_only: Annotated[bool, typer.Option(help="in-process scorer speed only")] = False,
    legal_only: Annotated[
        bool, typer.Option(help="legal matching speed (5,000 terms) against a naive regex")
    ] = False,
    rate: Annotated[float, typer.Option(help="comments/s to publish; 0 = flat out")] = 0.0,
    duration: Annotated[float, typer.Option(help="seconds of publishing")] = 10.0,
    bootstrap: Annotated[
        str | None, typer.Option(help="use a running system at this broker instead")
    ] = None,
    backends: Annotated[
        bool,
        typer.Option(help="with --scorer-only: also the Detoxify backends (PyTorch, ONNX, int8)"),
    ] = True,
    geometry: Annotated[
        str, typer.Option(help="comma-separated: tiny, tiny-roberta, bert-base, roberta-base")
    ] = "tiny,bert-base,roberta-base",
    device: Annotated[str, typer.Option(help="cpu or cuda")] = "cpu",
    dtype: Annotated[str, typer.Option(help="fp32, bf16 or fp16")] = "fp32",
    max_tokens: Annotated[
        int | None,
        typer.Option(help="padded tokens per forward pass (default: 1,024 on CPU, 65,536 on CUDA)"),
    ] = None,
    sample: Annotated[
        int | None, typer.Option(help="comments per geometry (default: sized for the device)")
    ] = None,
    classifiers: Annotated[
        int, typer.Option(help="classifier processes to run against the embedded broker")
    ] = 1,
    drain: Annotated[
        float,
        typer.Option(
            "--drain-timeout",
            help="seconds to wait, after publishing, for the backlog to be decided",
        ),
    ] = 300.0,
) -> None:
    """Measure throughput and end-to-end latency; the last line is JSON."""
    if scorer_only:
        from moderation.benchmarks.news_model_speed import news_model_bench

        for row in news_model_bench():
            typer.echo(json.dumps(row))
    if scorer_only and backends:
        try:
            from moderation.benchmarks.transformer_speed import transformer_bench
        except ImportError:
            typer.echo(
                "Detoxify backends not installed (pip install '.[detoxify]'); skipping them",
                err=True,
            )
        else:
            geometries = tuple(geometry.split(","))
            for row in transformer_bench(geometries, device, dtype, max_tokens, sample):
                typer.echo(json.dumps(row))
    if legal_only:
        from moderation.benchmarks.legal_speed import legal_bench

        typer.echo(json.dumps(legal_bench()))
        return
    from moderation.benchmarks.run import bench

    result = bench(
        rate, duration, scorer_only, bootstrap, classifiers=classifiers, drain_timeout_s=drain
    )
    typer.echo(json.dumps(result))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
