"""The Google API Discovery document of our scoring API, so Google's client libraries
(`googleapiclient.discovery.build("commentanalyzer", "v1alpha1", ...)`) can call it.

Written for this service: it describes the one method we serve, our attributes and what we
do with each field; `rootUrl` is wherever the request reached us.
"""

from __future__ import annotations

from typing import Any

from moderation.scoring_api.perspective import ATTRIBUTES

API_NAME = "commentanalyzer"
API_VERSION = "v1alpha1"
ANALYZE_PATH = f"{API_VERSION}/comments:analyze"


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _schemas() -> dict[str, Any]:
    score = {
        "id": "Score",
        "type": "object",
        "properties": {
            "value": {"type": "number", "format": "float", "description": "0 to 1"},
            "type": _string("always PROBABILITY"),
        },
    }
    return {
        "TextEntry": {
            "id": "TextEntry",
            "type": "object",
            "properties": {
                "text": _string("the comment (at most 20,000 characters)"),
                "type": _string("PLAIN_TEXT (default) or HTML (tags are removed first)"),
            },
        },
        "AttributeParameters": {
            "id": "AttributeParameters",
            "type": "object",
            "properties": {
                "scoreType": _string("PROBABILITY, the only type served"),
                "scoreThreshold": {
                    "type": "number",
                    "format": "float",
                    "description": "leave the attribute out when its score is lower",
                },
            },
        },
        "Context": {
            "id": "Context",
            "type": "object",
            "properties": {"entries": {"type": "array", "items": {"$ref": "TextEntry"}}},
            "description": "accepted; the news model scores the comment alone",
        },
        "AnalyzeCommentRequest": {
            "id": "AnalyzeCommentRequest",
            "type": "object",
            "properties": {
                "comment": {"$ref": "TextEntry"},
                "requestedAttributes": {
                    "type": "object",
                    "additionalProperties": {"$ref": "AttributeParameters"},
                    "description": "attributes to score: " + ", ".join(ATTRIBUTES),
                },
                "languages": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "en only; any other language is refused",
                },
                "doNotStore": {
                    "type": "boolean",
                    "description": "nothing sent to this method is stored or logged anyway",
                },
                "clientToken": _string("echoed in the response"),
                "sessionId": _string("accepted, not used"),
                "communityId": _string("accepted, not used"),
                "spanAnnotations": {"type": "boolean", "description": "return spanScores"},
                "context": {"$ref": "Context"},
            },
        },
        "Score": score,
        "SpanScore": {
            "id": "SpanScore",
            "type": "object",
            "properties": {
                "begin": {"type": "integer", "format": "int32"},
                "end": {"type": "integer", "format": "int32"},
                "score": {"$ref": "Score"},
            },
        },
        "AttributeScores": {
            "id": "AttributeScores",
            "type": "object",
            "properties": {
                "summaryScore": {"$ref": "Score"},
                "spanScores": {"type": "array", "items": {"$ref": "SpanScore"}},
            },
        },
        "AnalyzeCommentResponse": {
            "id": "AnalyzeCommentResponse",
            "type": "object",
            "properties": {
                "attributeScores": {
                    "type": "object",
                    "additionalProperties": {"$ref": "AttributeScores"},
                },
                "languages": {"type": "array", "items": {"type": "string"}},
                "detectedLanguages": {"type": "array", "items": {"type": "string"}},
                "clientToken": {"type": "string"},
            },
        },
    }


def discovery_document(root_url: str) -> dict[str, Any]:
    """`root_url`: this service's base URL, ending in '/'."""
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": f"{API_NAME}:{API_VERSION}",
        "name": API_NAME,
        "version": API_VERSION,
        "title": "news-moderation scoring API (Perspective-compatible)",
        "description": (
            "Scores comments with the news-moderation toxicity model. Request and response "
            "follow Perspective's AnalyzeComment so existing clients work unchanged; the "
            "scores are this service's own. Authenticate with a site API key as ?key=."
        ),
        "protocol": "rest",
        "rootUrl": root_url,
        "servicePath": "",
        "baseUrl": root_url,
        "batchPath": "batch",
        "parameters": {
            "key": {"type": "string", "location": "query", "description": "a site API key"},
            "alt": {
                "type": "string",
                "location": "query",
                "default": "json",
                "enum": ["json"],
                "description": "response format (JSON only)",
            },
        },
        "schemas": _schemas(),
        "resources": {
            "comments": {
                "methods": {
                    "analyze": {
                        "id": f"{API_NAME}.comments.analyze",
                        "path": ANALYZE_PATH,
                        "flatPath": ANALYZE_PATH,
                        "httpMethod": "POST",
                        "parameters": {},
                        "parameterOrder": [],
                        "request": {"$ref": "AnalyzeCommentRequest"},
                        "response": {"$ref": "AnalyzeCommentResponse"},
                        "description": "Score one comment for the requested attributes.",
                    }
                }
            }
        },
    }
