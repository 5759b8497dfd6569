"""The refusals: RuleViolation names the rule that says no; InvalidInput names the field.

Only the rules package builds a RuleViolation (tests/test_layout.py holds it); everything
else raises through a check here, or raises InvalidInput for a malformed value of a field.
"""
from __future__ import annotations

# Codes of the real service, where it has one.
ROLE_FAILURE_USER_DISABLED = "roleFailureDuetoUserIsDisabled"


class RuleViolation(Exception):
    """A refusal by a rule: carries the rule ID (or field) and a message an admin understands."""

    def __init__(self, rule: str, message: str, code: str = ""):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.code = code

    def __str__(self) -> str:
        prefix = f"{self.code}: " if self.code else ""
        return f"{self.rule}: {prefix}{self.message}"

    def reworded(self, message: str) -> RuleViolation:
        """The same refusal (rule and code) told in other words, for a bulk report."""
        return type(self)(self.rule, message, code=self.code)


class InvalidInput(RuleViolation):
    """A malformed value: `rule` is the field's name (never a rule ID), the message says why."""
