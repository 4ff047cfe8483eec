"""In-memory conversation sessions: ids issued by the server, bounded by bytes and idle time.

Ids: in LLM mode a session's history goes into the prompt, so whoever holds an id can ask
for that conversation back. Ids are therefore made here only, with
``secrets.token_urlsafe(32)`` (256 random bits), and an id this store did not issue, or no
longer holds, raises ``UnknownSession`` (the API answers 404) instead of silently starting
a conversation under a name the client chose.

Memory: a cap on the number of sessions let long messages grow memory by hundreds of MiB
(the Kubernetes limit is 256 Mi). The store counts the bytes each session holds (its texts as
Python stores them plus a fixed overhead), drops the least recently used sessions when the
total passes ``max_bytes`` and drops sessions idle for longer than ``idle_s``.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from config import settings

HISTORY_TURNS = 6
# What an empty session costs besides its texts: the Session object and its dict, the deque,
# the id string and the store's entry (measured with tracemalloc on CPython 3.11-3.13,
# rounded up).
SESSION_OVERHEAD_BYTES = 1600
# Per history entry besides the text: the (role, text) tuple and its deque slot.
ENTRY_OVERHEAD_BYTES = 72


class UnknownSession(LookupError):
    """The client sent a session id this service did not issue or no longer holds."""

    def __init__(self, idle_s: float) -> None:
        super().__init__(
            f"session_id is unknown or has expired (a conversation is kept for {idle_s / 60:g} minutes "
            "after its last message, and not across restarts); send the message without session_id "
            "to start a new conversation"
        )


@dataclass
class Session:
    session_id: str
    history: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=HISTORY_TURNS * 2))
    offered_handoff: bool = False
    # The FAQ passage the last reply asked about ("Did you mean ...?"); a "yes" answers it.
    suggested: object | None = None


@dataclass
class _Entry:
    session: Session
    size: int
    last_used: float


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def session_bytes(session: Session) -> int:
    """Bytes the session holds, as counted against the store's budget."""
    return SESSION_OVERHEAD_BYTES + sum(sys.getsizeof(text) + ENTRY_OVERHEAD_BYTES for _, text in session.history)


class SessionStore:
    def __init__(
        self, max_bytes: int | None = None, idle_s: float | None = None, *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_bytes = max_bytes if max_bytes is not None else settings.SESSION_MEMORY_MB * 1024 * 1024
        self.idle_s = idle_s if idle_s is not None else settings.SESSION_IDLE_MINUTES * 60
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, session_id: str | None) -> Session:
        """A new session when ``session_id`` is None, else the one it names.

        Raises ``UnknownSession`` for an id this store never issued, evicted or let expire.
        """
        with self._lock:
            now = self._clock()
            self._expire(now)
            if session_id is None:
                session = Session(new_session_id())
                entry = _Entry(session, session_bytes(session), now)
                self._entries[session.session_id] = entry
                self._bytes += entry.size
                self._evict()
                return session
            entry = self._entries.get(session_id)
            if entry is None:
                raise UnknownSession(self.idle_s)
            entry.last_used = now
            self._entries.move_to_end(session_id)
            return entry.session

    def record_turn(self, session: Session, message: str, reply: str) -> None:
        """Add one exchange to the session's history and account for its bytes."""
        with self._lock:
            session.history.append(("user", message))
            session.history.append(("assistant", reply))
            entry = self._entries.get(session.session_id)
            if entry is None or entry.session is not session:
                return  # evicted while it was being answered: nothing to account for
            size = session_bytes(session)
            self._bytes += size - entry.size
            entry.size = size
            entry.last_used = self._clock()
            self._entries.move_to_end(session.session_id)
            self._evict()

    def _expire(self, now: float) -> None:
        while self._entries:
            sid, entry = next(iter(self._entries.items()))
            if now - entry.last_used <= self.idle_s:
                return
            self._drop(sid)

    def _evict(self) -> None:
        while self._bytes > self.max_bytes and self._entries:
            self._drop(next(iter(self._entries)))

    def _drop(self, sid: str) -> None:
        self._bytes -= self._entries.pop(sid).size

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)
