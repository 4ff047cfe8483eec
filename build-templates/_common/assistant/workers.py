"""How many chats may use the CPU at once, and when a chat lets go of it.

A chat is CPU work (rules, embedding the question, ranking) and, with an LLM, mostly
waiting on the network. Forty chats computing at once on the container's one or two cores
each take forty times as long, and the event loop that answers /health competes with all
of them for the GIL (a Kubernetes probe gives up after one second). So a chat holds one of a
few compute slots (``CHAT_CPU_WORKERS``) for its CPU work and hands it back while it waits
on the LLM; how many chats may be in progress at all is ``CHAT_WORKERS`` (see main.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from config import settings


class ComputeSlots:
    def __init__(self, slots: int) -> None:
        self._free = threading.Semaphore(slots)
        self._local = threading.local()

    def _holding(self) -> bool:
        return getattr(self._local, "holding", False)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run the block with a compute slot (waits for one)."""
        self._free.acquire()
        self._local.holding = True
        try:
            yield
        finally:
            if self._holding():
                self._local.holding = False
                self._free.release()

    @contextmanager
    def released(self) -> Iterator[None]:
        """Give the slot back for a block that only waits (a network call); take one again
        afterwards. Outside ``held()`` (tests, scripts) this does nothing."""
        if not self._holding():
            yield
            return
        self._local.holding = False
        self._free.release()
        try:
            yield
        finally:
            self._free.acquire()
            self._local.holding = True


SLOTS = ComputeSlots(settings.CHAT_CPU_WORKERS)
