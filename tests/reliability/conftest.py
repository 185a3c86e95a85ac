"""Fault tests use the broker and client fixtures of tests/conftest.py and record one row
per fault in tests/artifacts/faults.json for the issue note."""

from __future__ import annotations

import json

from tests.roles import ARTIFACTS

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
