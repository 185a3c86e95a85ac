"""JSON Schema files for the event contracts, generated from the pydantic models.

`make schemas` writes them into schemas/; a test fails when the checked-in files differ.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from moderation.domain.events import EVENT_MODELS, SCHEMA_VERSION

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def schema_filename(event: str) -> str:
    return f"{_snake(event)}.v{SCHEMA_VERSION}.schema.json"


def render_schemas() -> dict[str, str]:
    rendered = {}
    for name, model in EVENT_MODELS.items():
        schema = model.model_json_schema(mode="validation")
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:news-moderation:{_snake(name)}:v{SCHEMA_VERSION}",
            **schema,
        }
        rendered[schema_filename(name)] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return rendered


def render_asyncapi() -> str:
    from moderation.entrypoints.classifier import asyncapi_app

    spec = asyncapi_app().schema.to_specification()
    return json.dumps(json.loads(spec.to_json()), indent=2, sort_keys=True) + "\n"


def write_all(directory: Path = SCHEMAS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    files = {**render_schemas(), "asyncapi.json": render_asyncapi()}
    written = []
    for filename, text in files.items():
        path = directory / filename
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
