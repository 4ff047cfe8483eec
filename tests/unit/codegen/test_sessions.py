"""Conversation sessions of the generated service: server-issued ids, a byte budget, idle expiry."""

from __future__ import annotations

import gc
import re
import tracemalloc

import pytest

from pixel_desktop.spec import ProjectSpec


def _spec() -> ProjectSpec:
    return ProjectSpec.model_validate({
        "name": "Session Bot", "client": "Session Corp", "retrieval": "lexical",
        "business_rules": [{"name": "orders", "match": ["order"], "reply": "Orders ship in a day."}],
        "training_data": {"faq": [{"question": "How long does shipping take?", "answer": "Three days."}]},
    })


@pytest.fixture
def service(load_service, monkeypatch):
    """The generated ChatService with SESSION_MEMORY_MB=1 in its runtime environment."""
    monkeypatch.setenv("SESSION_MEMORY_MB", "1")
    importer = load_service(_spec())
    data = importer("assistant.data").load_assistant_data()
    return importer, importer("assistant.service").ChatService(data, importer("assistant.answer").OfflineAnswerer(0.5))


def test_conversations_stay_within_their_byte_budget_however_many_there_are(service):
    _, chat = service
    # 2,000 characters that Python stores with 4 bytes each: ~8 KB per message, each a new string.
    padding = "\U0001f4e6" * 2000
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        for conversation in range(300):
            _, session = chat.chat(f"order {conversation} {padding}")
            for turn in range(5):
                chat.chat(f"order {conversation}.{turn} {padding}", session.session_id)
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    # 300 conversations of 6 such turns hold ~15 MB; the budget is 1 MiB.
    assert grown < 1.5 * 1024 * 1024, f"sessions grew memory by {grown / 2**20:.1f} MiB with a 1 MiB budget"


def test_session_ids_are_issued_by_the_server_and_unguessable(service):
    _, chat = service
    ids = {chat.chat("hello")[1].session_id for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", sid) for sid in ids)  # 256 random bits each


def test_a_client_invented_session_id_is_refused_and_gets_no_conversation(service):
    _, chat = service
    _, session = chat.chat("Where is my order 4711?")
    try:
        _, other = chat.chat("What did I ask before?", "my-own-session-id")
    except LookupError as exc:
        refusal = str(exc)
    else:
        raise AssertionError(f"a client-chosen id was accepted as conversation {other.session_id!r}")
    assert "unknown or has expired" in refusal and "without session_id" in refusal
    assert chat.sessions.get(session.session_id).history[0] == ("user", "Where is my order 4711?")


def test_least_recently_used_sessions_go_first_when_the_budget_is_full(load_service):
    sessions = load_service(_spec())("assistant.sessions")
    store = sessions.SessionStore(max_bytes=sessions.SESSION_OVERHEAD_BYTES * 3, idle_s=600)
    first, second, third = (store.get(None) for _ in range(3))
    store.get(first.session_id)  # first is now the most recently used
    fourth = store.get(None)
    assert len(store) == 3 and store.total_bytes <= store.max_bytes
    with pytest.raises(sessions.UnknownSession):
        store.get(second.session_id)
    for kept in (first, third, fourth):
        assert store.get(kept.session_id) is kept


def test_a_long_turn_counts_its_bytes_and_pushes_out_older_sessions(load_service):
    sessions = load_service(_spec())("assistant.sessions")
    store = sessions.SessionStore(max_bytes=64 * 1024, idle_s=600)
    older = [store.get(None) for _ in range(10)]
    talker = store.get(None)
    store.record_turn(talker, "x" * 30_000, "y" * 20_000)
    assert store.total_bytes >= 50_000
    assert store.total_bytes <= store.max_bytes
    assert len(store) < 11
    with pytest.raises(sessions.UnknownSession):
        store.get(older[0].session_id)
    assert store.get(talker.session_id) is talker


def test_idle_sessions_expire_and_recent_ones_stay(load_service):
    sessions = load_service(_spec())("assistant.sessions")
    now = [1000.0]
    store = sessions.SessionStore(max_bytes=1024 * 1024, idle_s=60, clock=lambda: now[0])
    idle, active = store.get(None), store.get(None)
    now[0] += 45
    store.record_turn(active, "still here", "good")
    now[0] += 30  # idle: 75 s since its last use; active: 30 s
    assert store.get(active.session_id) is active
    with pytest.raises(sessions.UnknownSession, match="kept for 1 minutes"):
        store.get(idle.session_id)
    assert len(store) == 1 and store.total_bytes == sessions.session_bytes(active)
