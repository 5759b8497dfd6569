"""Business records (accounts): create, share, assign (ROLE-05: disabled users too) and reassign
every record of one user to another (STUB-04)."""
from __future__ import annotations

from django.db import transaction
from django.db.models import Count

from environments_app.models import Environment
from users_app.models import Account, SystemUser
from users_app.provisioning import rules
from users_app.provisioning.rules import InvalidInput
from users_app.services import audit

from .state import account_state, owned_counts


@audit.audited("Create account", creates=True, state=account_state)
@transaction.atomic
def account_create(*, environment: Environment, name: str, owner: SystemUser) -> Account:
    """ROLE-05: records can be assigned to a disabled user."""
    if owner.environment_id != environment.pk:
        raise InvalidInput("owner", "The owner belongs to another environment.")
    return Account.objects.create(environment=environment, name=name, owner=owner)


@audit.audited("Share record", target="account", state=account_state)
@transaction.atomic
def account_share(*, account: Account, systemuser: SystemUser) -> None:
    """ROLE-05: records can be shared with a disabled user."""
    if systemuser.environment_id != account.environment_id:
        raise InvalidInput("user", "The user belongs to another environment.")
    account.shared_with.add(systemuser)


@audit.audited("Assign record", target="account", state=account_state)
@transaction.atomic
def account_owner_set(*, account: Account, owner: SystemUser) -> None:
    """ROLE-05: a record can be assigned to any user of the environment, a disabled one too."""
    if owner.environment_id != account.environment_id:
        raise InvalidInput("owner", "The owner belongs to another environment.")
    if account.owner_id != owner.pk:
        account.owner = owner
        account.save(update_fields=["owner"])


@audit.audited("Reassign records", target="source",
                state=lambda source, kw: owned_counts(source, kw["target"]))
@transaction.atomic
def records_reassign(*, source: SystemUser, target: SystemUser) -> int:
    """STUB-04 / Reassign records: every record owned by source goes to target."""
    if source.environment_id != target.environment_id:
        raise InvalidInput("target", "Records move only between users of the same environment.")
    if source.pk == target.pk:
        raise InvalidInput("target", "Source and target are the same user.")
    rules.check_reassign_target(user_type=target.user_type)
    return Account.objects.filter(owner=source).update(owner=target)


def owned_record_counts(environment: Environment) -> dict[int, int]:
    return dict(SystemUser.objects.filter(environment=environment).annotate(n=Count("owned_accounts"))
                .filter(n__gt=0).values_list("id", "n"))
