"""Environments and the Dataverse structure inside them (ENV, ROLE).

This app imports nothing from users_app: dependencies point from users_app to
environments_app. The change-number kernel (environments_app.changes and the ChangeCounter
row) is here too, because every model of both apps is stamped by it. Directory objects are
referred to by object id, as the real service stores a security group's id.
"""
import uuid

from django.db import models

from django.db.models.functions import Lower
from django.urls import reverse

from .changes import COUNTER_TABLE, ChangeNumbered

from .choices import (
    ENVIRONMENT_TYPE_COLORS,
    Deployment,
    EnvironmentState,
    EnvironmentType,
    LicenceType,
    TYPES_WITHOUT_SECURITY_GROUP,
)


class Environment(ChangeNumbered):
    environment_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=EnvironmentType.choices, default=EnvironmentType.PRODUCTION)
    state = models.CharField(max_length=20, choices=EnvironmentState.choices, default=EnvironmentState.READY)
    region = models.CharField(max_length=50, default="unitedstates")
    url = models.URLField(blank=True)
    created_on = models.DateTimeField(auto_now_add=True)
    dataverse = models.BooleanField(default=True, help_text="Has a Dataverse database (ENV-02).")
    deployment = models.CharField(max_length=20, choices=Deployment.choices, default=Deployment.ONLINE)
    # Directory objects, by object id (the real service stores the group's id).
    security_group_object_id = models.UUIDField(null=True, blank=True)
    teams_group_object_id = models.UUIDField(null=True, blank=True, help_text="Teams environments (ENV-07).")
    created_by_object_id = models.UUIDField(null=True, blank=True, help_text="Developer environments' creator.")
    # Org settings (ENV-04).
    allow_role_assignment_on_disabled_users = models.BooleanField(default=False)
    do_not_remove_roles_on_change_business_unit = models.BooleanField(default=False)
    allow_delete_disabled_users = models.BooleanField(default=False, help_text="Enable delete disabled users (LIFE-05).")
    app_user_status_editable = models.BooleanField(default=False, help_text="Application user form allows status edits (APP-03).")
    licence_type = models.CharField(max_length=20, choices=LicenceType.choices, default=LicenceType.STANDARD)
    app_pass_capacity = models.PositiveIntegerField(default=0)
    sales_installed = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="environment_name_unique_ci"),
            # ENV-06: at most one Default environment per tenant.
            models.UniqueConstraint(
                fields=["type"], condition=models.Q(type=EnvironmentType.DEFAULT), name="one_default_environment"
            ),
            # ENV-06: Default, Developer and Teams environments cannot have a security group.
            models.CheckConstraint(
                condition=models.Q(security_group_object_id__isnull=True)
                | ~models.Q(type__in=[t.value for t in TYPES_WITHOUT_SECURITY_GROUP]),
                name="env06_no_security_group_for_type",
            ),
            models.CheckConstraint(
                condition=models.Q(deployment=Deployment.ONLINE) | models.Q(dataverse=True),
                name="on_premises_has_database",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:environments_app_environment_change", args=[self.pk])

    @property
    def is_online(self) -> bool:
        return self.deployment == Deployment.ONLINE

    @property
    def is_on_premises(self) -> bool:
        return self.deployment == Deployment.ON_PREMISES

    def get_type_color(self) -> str:
        return ENVIRONMENT_TYPE_COLORS.get(self.type, "gray")


class BusinessUnit(models.Model):
    businessunitid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="business_units")
    name = models.CharField(max_length=160)
    parentbusinessunit = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["environment", "name"]
        constraints = [
            models.UniqueConstraint(fields=["environment", "name"], name="business_unit_name_unique"),
            # ENV-05: one root business unit per environment.
            models.UniqueConstraint(
                fields=["environment"], condition=models.Q(parentbusinessunit__isnull=True), name="one_root_business_unit"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_root(self) -> bool:
        return self.parentbusinessunit_id is None


class SecurityRole(models.Model):
    roleid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="security_roles")
    business_unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=100)
    is_system = models.BooleanField(default=False, help_text="A predefined role (ENV-05).")

    class Meta:
        ordering = ["environment", "name"]
        constraints = [models.UniqueConstraint(fields=["business_unit", "name"], name="role_name_unique_in_bu")]

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    positionid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="positions")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["environment", "name"]
        constraints = [models.UniqueConstraint(fields=["environment", "name"], name="position_name_unique")]

    def __str__(self) -> str:
        return self.name


class ChangeCounter(models.Model):
    """The one row of the change counter (environments_app.changes reads and moves it with raw SQL).
    Its table keeps the name it was created with, when the model lived in users_app."""

    value = models.BigIntegerField(default=0)
    tenant_wide = models.BigIntegerField(default=0, help_text="The last change that concerns every user.")

    class Meta:
        db_table = COUNTER_TABLE

    def __str__(self) -> str:
        return f"change {self.value}"
