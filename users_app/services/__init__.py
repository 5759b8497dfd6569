"""Writes that are not the sync: directory edits, environment set-up, admin actions, imports.

Each public function is keyword-only, runs in one transaction, and raises
users_app.provisioning.rules.RuleViolation (rule ID + message) on refusal.
"""
