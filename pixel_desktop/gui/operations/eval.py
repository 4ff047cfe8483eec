"""Evaluation operations (used by the Evaluate tab)."""

from __future__ import annotations
