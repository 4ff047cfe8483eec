"""Compute slots of the generated service: a chat waiting on the LLM lets another compute."""

from __future__ import annotations

import threading
import time


def test_a_chat_waiting_on_the_network_hands_its_compute_slot_to_another_chat(load_service, acme_spec):
    workers = load_service(acme_spec, "llm-assistant")("assistant.workers")
    slots = workers.ComputeSlots(1)
    waiting, computed, done = threading.Event(), threading.Event(), threading.Event()

    def waits_on_llm() -> None:
        with slots.held(), slots.released():
            waiting.set()
            done.wait(timeout=10)

    def computes() -> None:
        with slots.held():
            computed.set()

    first = threading.Thread(target=waits_on_llm)
    first.start()
    assert waiting.wait(timeout=10)
    second = threading.Thread(target=computes)
    second.start()
    assert computed.wait(timeout=5), "the only slot stayed with a chat that was only waiting"
    done.set()
    first.join(timeout=10)
    second.join(timeout=10)
    assert not first.is_alive() and not second.is_alive()


def test_releasing_outside_a_held_slot_adds_no_slot(load_service, acme_spec):
    workers = load_service(acme_spec, "llm-assistant")("assistant.workers")
    slots = workers.ComputeSlots(1)
    with slots.released():  # e.g. the LLM answerer called directly by a test or script
        pass
    inside: list[int] = []
    gate = threading.Event()

    def hold() -> None:
        with slots.held():
            inside.append(1)
            gate.wait(timeout=10)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for holder in holders:
        holder.start()
    time.sleep(0.3)
    assert len(inside) == 1, "two chats computed at once with one slot"
    gate.set()
    for holder in holders:
        holder.join(timeout=10)
    assert len(inside) == 2
