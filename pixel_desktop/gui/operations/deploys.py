"""Deploy, rollback and target operations (used by the Deploy tab)."""

from __future__ import annotations
