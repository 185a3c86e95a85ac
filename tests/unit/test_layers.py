"""Imports only go down: a test that parses every module of the package (ast, no import)
and fails on an edge from a lower layer to a higher one, or between two rooms.

Layers, lowest first (a module may import its own layer and those below):
  foundation   domain/, topics, roles, settings, db/, logs, metrics, contracts
  text         text/ (the normalisation and matching kernel)
  rules        legal/, scoring/ (siblings: neither imports the other)
  adapters     adapters/ (Kafka, batch loop, decoding, role runtime, article table)
  service      service_layer/ (the classify use case and its wiring, shared by two rooms)
  rooms        classifier/, store/, queue/, scoring_api/ (siblings: no room imports another)
  tooling      modeltools/, benchmarks/
  entrypoints  entrypoints/ (the CLI and `moderation dev`)
"""

from __future__ import annotations

import ast
from pathlib import Path

import moderation

PACKAGE = Path(moderation.__file__).resolve().parent

LAYERS: list[tuple[str, set[str]]] = [
    (
        "foundation",
        {"domain", "topics", "roles", "settings", "db", "logs", "metrics", "contracts"},
    ),
    ("text", {"text"}),
    ("rules", {"legal", "scoring"}),
    ("adapters", {"adapters"}),
    ("service", {"service_layer"}),
    ("rooms", {"classifier", "store", "queue", "scoring_api"}),
    ("tooling", {"modeltools", "benchmarks"}),
    ("entrypoints", {"entrypoints"}),
]
# Packages of one layer that must not import each other.
SIBLINGS = {"rules", "rooms"}
# Sideways edges allowed on purpose, each with its reason.
ALLOWED: dict[tuple[str, str], str] = {
    ("scoring_api.keys", "store.api_keys"): "the scoring API checks site API keys in the "
    "comment store's database, with the store's own key functions",
}
LEVEL = {part: level for level, (_, parts) in enumerate(LAYERS) for part in parts}


def part_of(module: str) -> str:
    """The top-level part of a dotted module name inside the package ("" for the root)."""
    return module.split(".", 1)[0] if module else ""


def internal_imports(path: Path) -> set[str]:
    """Names of the package's modules that a file imports (relative to `moderation.`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "moderation":  # `from moderation import metrics`
                names = [
                    f"moderation.{alias.name}"
                    for alias in node.names
                    if (PACKAGE / alias.name).is_dir() or (PACKAGE / f"{alias.name}.py").exists()
                ]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {
            name.removeprefix("moderation.") for name in names if name.startswith("moderation.")
        }
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def bad_edges() -> list[str]:
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_name(path)
        if part_of(source) in ("", "migrations"):
            continue
        for target in sorted(internal_imports(path)):
            a, b = part_of(source), part_of(target)
            if a == b or (source, target) in ALLOWED:
                continue
            if LEVEL[a] < LEVEL[b]:
                bad.append(
                    f"{source} -> {target} (upward: {LAYERS[LEVEL[a]][0]} imports "
                    f"{LAYERS[LEVEL[b]][0]})"
                )
            elif LEVEL[a] == LEVEL[b] and LAYERS[LEVEL[a]][0] in SIBLINGS:
                bad.append(f"{source} -> {target} (sideways: {a}/ and {b}/ are siblings)")
    return bad


def test_every_part_of_the_package_has_a_layer():
    parts = {
        part_of(module_name(path))
        for path in PACKAGE.rglob("*.py")
        if part_of(module_name(path)) not in ("", "migrations")
    }
    assert parts <= set(LEVEL), f"give these a layer in LAYERS: {sorted(parts - set(LEVEL))}"


def test_imports_only_go_down():
    assert bad_edges() == []


def test_the_allowed_sideways_edges_still_exist():
    """An exception that is no longer needed is removed, not kept as a loophole."""
    edges = {
        (module_name(path), target)
        for path in PACKAGE.rglob("*.py")
        for target in internal_imports(path)
    }
    assert set(ALLOWED) <= edges


def test_every_role_app_is_built_in_a_room():
    from moderation.roles import ROLES

    rooms = LAYERS[LEVEL["store"]][1]
    for role in ROLES.values():
        module = role.app.partition(":")[0].removeprefix("moderation.")
        assert part_of(module) in rooms, f"{role.name}: {role.app} is not in a room"
        assert (PACKAGE / f"{module.replace('.', '/')}.py").exists(), role.app
