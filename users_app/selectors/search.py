"""The header's search over directory users and environments (/search/?q=).

No search of its own: the Active users list's filter (with its trigram index, users_app.list_search)
and the environments lists' filters answer, each capped to the first LIMIT rows."""
from __future__ import annotations

from dataclasses import dataclass

from users_app.models import DirectoryUser
from users_app.selectors.environments import environment_list
from users_app.selectors.m365 import active_user_list
from users_app.selectors.my_environments import my_environment_list

LIMIT = 20


@dataclass(frozen=True)
class SearchResults:
    users: list
    more_users: bool
    environments: list
    more_environments: bool


def _capped(queryset, limit: int) -> tuple[list, bool]:
    rows = list(queryset[:limit + 1])
    return rows[:limit], len(rows) > limit


def global_search(*, q: str, directory_user: DirectoryUser, every_environment: bool, limit: int = LIMIT) -> SearchResults:
    """Users as Active users finds them; environments as the Environments list finds them for a
    tenant Power Platform admin (`every_environment`), as My environments does for anyone else."""
    users, more_users = _capped(active_user_list(filters={"q": q}), limit)
    environments = (environment_list(filters={"q": q}) if every_environment
                    else my_environment_list(directory_user=directory_user, filters={"q": q}))
    environments, more_environments = _capped(environments, limit)
    return SearchResults(users, more_users, environments, more_environments)
