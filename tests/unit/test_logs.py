"""JSON log lines carry the role of the process that wrote them."""

import json
import logging

import pytest

from moderation.logs import configure_logging


@pytest.fixture
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_every_json_record_carries_the_role(capsys, restore_root_logger):
    configure_logging("INFO", as_json=True, role="comment-store")
    logging.getLogger("moderation.store").info("applied %s", "c-1")
    logging.getLogger("uvicorn.error").warning("from a library")
    logging.getLogger("x").info("own role", extra={"role": "other"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["role"] for line in lines] == ["comment-store", "comment-store", "other"]
    assert lines[0]["message"] == "applied c-1"


def test_text_lines_keep_their_prefix(capsys, restore_root_logger):
    configure_logging("INFO", as_json=False, role="classifier")
    logging.getLogger("moderation").info("hello")
    assert "[classifier] moderation: hello" in capsys.readouterr().err
