"""SYNC: what a sync may write."""
from __future__ import annotations

from .ids import SYNC_06  # noqa: F401
from .violation import RuleViolation  # noqa: F401
