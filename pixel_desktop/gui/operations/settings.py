"""Settings operations (used by the Settings dialog): store URL check, save, targets."""

from __future__ import annotations
