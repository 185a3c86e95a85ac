"""JSON Schema files for the event contracts, generated from the pydantic models, and the
AsyncAPI document of the whole system, generated from moderation/roles.py and topics.py.

`make schemas` writes them into schemas/; a test fails when the checked-in files differ.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from moderation.domain.events import EVENT_MODELS, SCHEMA_VERSION
from moderation.topics import (
    ALL_TOPICS,
    DLQ_HEADER_ERROR,
    DLQ_HEADER_ORIGINAL_BYTES,
    DLQ_HEADER_ORIGINAL_SHA256,
    DLQ_HEADER_REASON,
    DLQ_HEADER_SOURCE_OFFSET,
    DLQ_HEADER_SOURCE_PARTITION,
    DLQ_HEADER_SOURCE_TOPIC,
    DLQ_HEADER_TRUNCATED,
    TopicSpec,
)

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


KAFKA_BINDING = "0.5.0"
DEAD_LETTER = "DeadLetter"


def _channel_id(topic: str) -> str:
    return topic.replace(".", "-")  # AsyncAPI ids allow letters, digits, - and _ only


def _topic_configuration(topic: TopicSpec) -> dict[str, Any]:
    configuration: dict[str, Any] = {}
    for key, value in topic.configs.items():
        configuration[key] = [value] if key == "cleanup.policy" else int(value)
    return configuration


def _messages() -> dict[str, Any]:
    """One message per event, keyed as its topic says, and the dead letter."""
    messages: dict[str, Any] = {}
    for topic in ALL_TOPICS:
        if topic.event is None:
            continue
        model = EVENT_MODELS[topic.event]
        messages[topic.event] = {
            "name": topic.event,
            "title": topic.event,
            "summary": (model.__doc__ or "").strip().split("\n")[0],
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{topic.event}"},
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "description": f"the event's {topic.key}"},
                    "bindingVersion": KAFKA_BINDING,
                }
            },
        }
    headers = {
        DLQ_HEADER_REASON: "why: a DeadLetterReason (UNDECODABLE, SCHEMA_INVALID, ...)",
        DLQ_HEADER_ERROR: "the error, in words",
        DLQ_HEADER_SOURCE_TOPIC: "the topic the record came from (where a replay sends it)",
        DLQ_HEADER_SOURCE_PARTITION: "its partition there",
        DLQ_HEADER_SOURCE_OFFSET: "its offset there",
        DLQ_HEADER_TRUNCATED: "set when the value is only a prefix of the original",
        DLQ_HEADER_ORIGINAL_BYTES: "with the above: the original's size in bytes",
        DLQ_HEADER_ORIGINAL_SHA256: "with the above: the original's SHA-256 (hex)",
    }
    messages[DEAD_LETTER] = {
        "name": DEAD_LETTER,
        "title": DEAD_LETTER,
        "summary": "A record that can never succeed, set aside with why (`moderation dlq replay`).",
        "contentType": "application/octet-stream",
        "headers": {
            "type": "object",
            "required": [DLQ_HEADER_REASON, DLQ_HEADER_SOURCE_TOPIC],
            "properties": {
                name: {"type": "string", "description": text} for name, text in headers.items()
            },
        },
        "payload": {
            "type": "string",
            "format": "binary",
            "description": "the original record's value, byte for byte; its key and headers "
            "are the original's too",
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "the original record's key"},
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }
    return messages


def render_asyncapi() -> str:
    """One AsyncAPI 3.0 document for the whole system: a channel per topic in topics.py, and
    per role in roles.py an operation for every topic it reads (in its group, or whole) or
    writes."""
    from pydantic.json_schema import models_json_schema

    from moderation import __version__
    from moderation.roles import ROLES

    events = [topic.event for topic in ALL_TOPICS if topic.event]
    _, definitions = models_json_schema(
        [(EVENT_MODELS[event], "validation") for event in events],
        ref_template="#/components/schemas/{model}",
    )
    messages = _messages()
    readers: dict[str, list[str]] = {topic.name: [] for topic in ALL_TOPICS}
    writers: dict[str, list[str]] = {topic.name: [] for topic in ALL_TOPICS}
    operations: dict[str, Any] = {}
    for role in ROLES.values():
        uses = [("receive", topic, f"in group {role.group}") for topic in role.consumes] + [
            ("receive", topic, "whole, no group (a table)") for topic in role.follows
        ]
        uses += [("send", topic, "") for topic in role.produces]
        for action, topic, how in uses:
            channel = _channel_id(topic.name)
            (readers if action == "receive" else writers)[topic.name].append(role.name)
            operation: dict[str, Any] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{channel}"},
                "messages": [
                    {"$ref": f"#/channels/{channel}/messages/{topic.event or DEAD_LETTER}"}
                ],
                "summary": f"{role.name} {'reads' if action == 'receive' else 'writes'} "
                f"{topic.name}{' ' + how if how else ''}",
                "tags": [{"name": role.name}],
            }
            if action == "receive" and topic in role.consumes:
                operation["bindings"] = {
                    "kafka": {
                        "groupId": {"type": "string", "enum": [role.group]},
                        "bindingVersion": KAFKA_BINDING,
                    }
                }
            operations[f"{role.name}-{action}-{channel}"] = operation
    channels = {
        _channel_id(topic.name): {
            "address": topic.name,
            "title": topic.name,
            "description": f"written by {', '.join(writers[topic.name]) or 'the news site'}; "
            f"read by {', '.join(readers[topic.name]) or 'people (moderation dlq replay)'}",
            "messages": {
                (topic.event or DEAD_LETTER): {
                    "$ref": f"#/components/messages/{topic.event or DEAD_LETTER}"
                }
            },
            "bindings": {
                "kafka": {
                    "topic": topic.name,
                    "partitions": topic.partitions,
                    "topicConfiguration": _topic_configuration(topic),
                    "bindingVersion": KAFKA_BINDING,
                }
            },
        }
        for topic in ALL_TOPICS
    }
    roles = "; ".join(f"{role.name}: {role.summary}" for role in ROLES.values())
    document = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "news-moderation",
            "version": __version__,
            "description": f"Event-driven comment moderation. Roles: {roles}.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "development": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "the embedded broker of `moderation dev`; in production, your "
                "Kafka cluster (KAFKA_BOOTSTRAP_SERVERS)",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": definitions["$defs"]},
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def write_all(directory: Path = SCHEMAS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    files = {**render_schemas(), "asyncapi.json": render_asyncapi()}
    written = []
    for filename, text in files.items():
        path = directory / filename
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
