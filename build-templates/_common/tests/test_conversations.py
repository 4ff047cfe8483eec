"""The project's conversation tests (from the spec), run against the service in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import settings

CASES = json.loads((Path(__file__).with_name("conversations.json")).read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_conversation(client, case):
    response = client.post(settings.CHAT_PATH, json={"message": case["ask"]})
    assert response.status_code == 200, response.text
    body = response.json()
    for expected in case["expect_contains"]:  # case-insensitive, like Pixel's container test
        assert expected.lower() in body["reply"].lower(), f"{case['ask']!r} -> {body['reply']!r} lacks {expected!r}"
    if case["expect_handoff"] is not None:
        assert body["handoff"] is case["expect_handoff"], body
