"""The Django admin is a door too: what its saves check and record.

- `AuditedAdmin`: every save (add, change with its inlines), delete and bulk delete lands in the
  audit log (users_app.services.audit) as one action of the superuser through "admin"
  (ActorMiddleware sets the actor), with each changed field before -> after and each inline's
  rows before -> after.
- The formsets and forms of licence assignments, group members and owners and admin roles run
  the directory's own rule checks (DIR-02 seats, DIR-10 usage location, DIR-06 nesting cycles,
  DIR-04 permanently deleted users), the services' messages shown as form errors: the admin
  saves nothing a service would refuse.
"""
from __future__ import annotations

import sys
from collections import Counter
from contextlib import ExitStack

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet, _get_foreign_key

from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput, RuleViolation
from users_app.services import audit


def refused(violation: RuleViolation) -> ValidationError:
    """A rule's refusal as a form error, worded as the services word it."""
    return ValidationError(str(violation), code=violation.rule)


def _shown(form, name: str, value):
    """A form value as the audit log shows it: related objects by name, not by key."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset, models.QuerySet)):
        return sorted(str(_shown(form, name, v)) for v in value)
    field = form.fields.get(name)
    if isinstance(field, forms.ModelChoiceField) and value not in (None, ""):
        found = field.queryset.model._default_manager.filter(pk=value).first()
        return str(found) if found is not None else str(value)
    return value


class AuditedAdmin:
    """Mixin for ModelAdmin: see the module docstring. The entry is opened in save_model (so that
    a service the admin calls there joins it) and closed in save_related, which Django calls
    right after it, once the inlines are saved."""

    def _audit_name(self, verb: str) -> str:
        return f"{verb} {self.model._meta.verbose_name}"

    def _related_state(self, obj) -> dict:
        """Each inline's rows of this object, by name."""
        state = {}
        if obj is None or obj.pk is None:
            return state
        for inline in self.inlines:
            fk = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name)
            label = str(inline.verbose_name_plural or inline.model._meta.verbose_name_plural)
            state[label] = sorted(str(row) for row in inline.model._default_manager.filter(**{fk.name: obj}))
        return state

    def save_model(self, request, obj, form, change):
        before = self._related_state(obj) if change else {}
        stack = ExitStack()
        entry = stack.enter_context(audit.action(self._audit_name("Edit" if change else "Add"), target=obj if change else None))
        request._audit_admin = (stack, entry, before)
        try:
            super().save_model(request, obj, form, change)
        except BaseException:
            request._audit_admin = None
            if not stack.__exit__(*sys.exc_info()):
                raise

    def save_related(self, request, form, formsets, change):
        opened = getattr(request, "_audit_admin", None)
        if opened is None:  # pragma: no cover - Django calls save_model first
            return super().save_related(request, form, formsets, change)
        request._audit_admin = None
        stack, entry, before = opened
        try:
            super().save_related(request, form, formsets, change)
            obj = form.instance
            entry.describe(target=obj, environment=getattr(obj, "environment", None))
            for name in form.changed_data:
                initial = form.initial.get(name) if change else None
                entry.change(str(form.fields[name].label or name), _shown(form, name, initial),
                             _shown(form, name, form.cleaned_data.get(name)))
            after = self._related_state(obj)
            for label in dict.fromkeys([*before, *after]):
                entry.change(label, before.get(label, []), after.get(label, []))
        except BaseException:
            if not stack.__exit__(*sys.exc_info()):
                raise
        else:
            stack.close()

    def delete_model(self, request, obj):
        with audit.action(self._audit_name("Delete"), target=obj, environment=getattr(obj, "environment", None)) as entry:
            entry.change(str(self.model._meta.verbose_name), str(obj), None)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        """Delete selected (the changelist's action): one entry per object."""
        for obj in queryset:
            self.delete_model(request, obj)


# --- the rule checks of the directory's inlines and forms ---------------------------------------


def _live_forms(formset):
    """(form, cleaned data) of the rows kept and filled in."""
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if data and not data.get("DELETE"):
            yield form, data


def check_licences(user, added_skus) -> None:
    """What licence_assign checks, for several new assignments of one user at once: DIR-04,
    DIR-10 (the usage location as the form leaves it) and DIR-02 (seats; a deleted user's
    licences take none)."""
    from users_app.services.directory import refuse_hard_deleted, seats_used

    if not added_skus:
        return
    refuse_hard_deleted(user)
    rules.check_usage_location(usage_location=user.usage_location)
    if user.is_deleted:
        return
    for sku, count in Counter(added_skus).items():
        rules.check_licence_seats(sku_name=sku.name, seats=sku.seats, used=seats_used(sku), adding=count)


class LicenceAssignmentFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        added = [data["sku"] for form, data in _live_forms(self)
                 if data.get("sku") is not None and (form.instance.pk is None or "sku" in form.changed_data)]
        try:
            check_licences(self.instance, added)
        except RuleViolation as violation:
            raise refused(violation) from None


class LicenceAssignmentForm(forms.ModelForm):
    """The licence assignment's own change form: the same checks for a new or moved assignment."""

    def clean(self):
        data = super().clean()
        user, sku = data.get("user"), data.get("sku")
        if user is not None and sku is not None and (self.instance.pk is None or self.changed_data):
            try:
                check_licences(user, [sku])
            except RuleViolation as violation:
                raise refused(violation) from None
        return data


class GroupMembershipFormSet(BaseInlineFormSet):
    """A member is a user or a nested group; nesting never makes a cycle (DIR-06); a permanently
    deleted user joins nothing (DIR-04)."""

    def clean(self):
        from users_app.services.directory import check_no_cycle, refuse_hard_deleted

        super().clean()
        if any(self.errors):
            return
        for form, data in _live_forms(self):
            user, member_group = data.get("user"), data.get("member_group")
            if (user is None) == (member_group is None):
                raise ValidationError("Each member is either a user or a group (not both, not neither).")
            if not (form.instance.pk is None or {"user", "member_group"} & set(form.changed_data)):
                continue
            try:
                if user is not None:
                    refuse_hard_deleted(user)
                else:
                    check_no_cycle(self.instance, member_group)
            except RuleViolation as violation:
                raise refused(violation) from None


class DirectoryUserFormSet(BaseInlineFormSet):
    """Group owners and admin roles: a permanently deleted user gets none (DIR-04)."""

    def clean(self):
        from users_app.services.directory import refuse_hard_deleted

        super().clean()
        if any(self.errors):
            return
        for form, data in _live_forms(self):
            user = data.get("user") or self.instance  # an admin role's user is the inline's parent
            if form.instance.pk is None or form.changed_data:
                try:
                    refuse_hard_deleted(user)
                except RuleViolation as violation:
                    raise refused(violation) from None


class AdminRoleAssignmentForm(forms.ModelForm):
    def clean(self):
        from users_app.services.directory import refuse_hard_deleted

        data = super().clean()
        try:
            if data.get("role"):
                rules.admin_roles.check_known_role(data["role"])
            if data.get("user") is not None:
                refuse_hard_deleted(data["user"])
        except RuleViolation as violation:
            raise refused(violation) from None
        return data


# --- the environments' users: security roles (ROLE-02) and teams (ROLE-07) -------------------------


def _changed_rows(formset, field: str):
    """(form, value of `field`) of the rows added or pointed elsewhere."""
    for form, data in _live_forms(formset):
        if data.get(field) is not None and (form.instance.pk is None or field in form.changed_data):
            yield form, data[field]


class SystemUserRoleFormSet(BaseInlineFormSet):
    """A user's security roles: from the user's own environment, and only to an enabled user unless
    the environment allows it (ROLE-02), as role_assign checks."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        user = self.instance
        for _form, role in _changed_rows(self, "role"):
            try:
                if role.environment_id != user.environment_id:
                    raise InvalidInput("role", f"{role.name} belongs to another environment.")
                rules.check_role_assignable(isdisabled=user.isdisabled,
                                            allow_on_disabled=user.environment.allow_role_assignment_on_disabled_users,
                                            role_name=role.name)
            except RuleViolation as violation:
                raise refused(violation) from None


class TeamMembershipFormSet(BaseInlineFormSet):
    """Team members by hand: owner and access teams only, never a default team (ROLE-07), and
    users of the team's environment, as team_member_add checks. Works from the team's page (the
    rows name users) and from the user's page (the rows name teams)."""

    def clean(self):
        from users_app.models import Team

        super().clean()
        if any(self.errors):
            return
        on_team = isinstance(self.instance, Team)
        for _form, other in _changed_rows(self, "systemuser" if on_team else "team"):
            team, user = (self.instance, other) if on_team else (other, self.instance)
            try:
                rules.check_team_members_by_hand(isdefault=team.isdefault, teamtype=team.teamtype)
                if team.environment_id != user.environment_id:
                    raise InvalidInput("team", "The team belongs to another environment.")
            except RuleViolation as violation:
                raise refused(violation) from None
        for form in self.deleted_forms:  # a member taken off by hand: the same rule
            if form.instance.pk is not None:
                try:
                    team = form.instance.team
                    rules.check_team_members_by_hand(isdefault=team.isdefault, teamtype=team.teamtype)
                except RuleViolation as violation:
                    raise refused(violation) from None
