"""In-memory conversation sessions, bounded so a flood of new ids cannot exhaust memory."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field

MAX_SESSIONS = 5000
HISTORY_TURNS = 6


@dataclass
class Session:
    session_id: str
    history: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=HISTORY_TURNS * 2))
    offered_handoff: bool = False
    # The FAQ passage the last reply asked about ("Did you mean ...?"); a "yes" answers it.
    suggested: object | None = None


class SessionStore:
    def __init__(self, max_sessions: int = MAX_SESSIONS) -> None:
        self._max = max_sessions
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str | None) -> Session:
        """The session for ``session_id`` (created when new or unknown); evicts the oldest."""
        with self._lock:
            sid = session_id or secrets.token_urlsafe(12)
            session = self._sessions.get(sid)
            if session is None:
                session = Session(sid)
                self._sessions[sid] = session
                while len(self._sessions) > self._max:
                    self._sessions.popitem(last=False)
            else:
                self._sessions.move_to_end(sid)
            return session

    def __len__(self) -> int:
        return len(self._sessions)
