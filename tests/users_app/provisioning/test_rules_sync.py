"""SYNC-06: the refusals a sync raises when the database refuses its writes (rules/sync.py)."""
from __future__ import annotations

import pytest

from users_app.provisioning import rules


@pytest.mark.parametrize(
    ("refusal", "args", "text"),
    [
        (rules.sync_write_refusal, ("Sales",),
         "The sync of Sales could not write its changes: two records would hold the same directory object or user "
         "name. Nothing was changed; the run is recorded as failed in the environment's Sync history."),
        (rules.user_write_refusal, ("alice@contoso.com", "Sales"),
         "alice@contoso.com could not be written in Sales: another record holds the same directory object or "
         "user name, and it did not go away on retry."),
    ],
)
def test_sync_06_write_refusals_name_the_rule_and_the_record(refusal, args, text):
    violation = refusal(*args)
    assert isinstance(violation, rules.RuleViolation)
    assert violation.rule == rules.SYNC_06
    assert violation.message == text
