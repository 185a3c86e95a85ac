"""Fault tests reuse the e2e fixtures (a fresh broker per module, an aiokafka client) and
record one row per fault in tests/artifacts/faults.json for the issue note."""

from __future__ import annotations

import json

from tests.e2e.conftest import ARTIFACTS, broker, client  # noqa: F401 - fixtures

FAULTS_FILE = ARTIFACTS / "faults.json"


def record_fault(
    fault: str, sent: int, decided: int, lost: int, duplicates: int, note: str = ""
) -> None:
    rows = json.loads(FAULTS_FILE.read_text()) if FAULTS_FILE.exists() else {}
    rows[fault] = {
        "sent": sent,
        "decided": decided,
        "lost": lost,
        "duplicates": duplicates,
        "note": note,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    FAULTS_FILE.write_text(json.dumps(rows, indent=2))
    print(f"{fault}: sent {sent}, decided {decided}, lost {lost}, duplicates {duplicates} {note}")
