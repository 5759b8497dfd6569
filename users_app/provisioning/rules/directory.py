"""DIR: the directory's own rules (licences, usage location, deletion, groups)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import TypeVar

from .ids import DIR_02, DIR_04, DIR_06, DIR_10
from .violation import InvalidInput, RuleViolation

K = TypeVar("K")
_DONE = object()

RESTORE_WINDOW = timedelta(days=30)  # DIR-04
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


def check_licence_seats(*, sku_name: str, seats: int, used: int, adding: int = 1, restoring: str = "") -> None:
    """DIR-02: a licence beyond its seats is refused (`restoring`: the UPN of a user whose restore
    would bring the licence back)."""
    if used + adding <= seats:
        return
    if restoring:
        raise RuleViolation(DIR_02, f"No seats left for {sku_name} ({used} of {seats} in use) to restore "
                                    f"{restoring} with it; free a seat or remove the licence first.")
    raise RuleViolation(DIR_02, f"No seats left for {sku_name}: {used} of {seats} in use.")


def check_usage_location_code(value: str | None, where: str = "", *, fold_case: bool = False) -> str | None:
    """DIR-10: a usage location is none (None or "") or a two-letter country code; returns it, or
    None for none. `fold_case` accepts lower-case letters and upper-cases them (the tenant file)."""
    if value is None or value == "":
        return None
    if fold_case and isinstance(value, str) and len(value) == 2 and value.isascii() and value.isalpha():
        value = value.upper()
    if not isinstance(value, str) or not _COUNTRY_CODE.match(value):
        prefix = f"{where}: " if where else ""
        raise InvalidInput("usage_location", f"{prefix}Usage location {value!r} is not a two-letter country code (e.g. US).")
    return value


def check_usage_location_kept(*, usage_location: str | None, holds_licences: bool, user_name: str) -> None:
    """DIR-10: a user holding licences keeps a usage location."""
    if not usage_location and holds_licences:
        raise RuleViolation(DIR_10, f"{user_name} holds licences, which need a usage location; "
                                    "remove the licences before clearing it.")


def check_not_purged(*, purged: bool, user_name: str) -> None:
    """DIR-04: a permanently deleted user is a tombstone: nothing about it changes."""
    if purged:
        raise RuleViolation(DIR_04, f"{user_name} has been permanently deleted and cannot be changed.")


def check_restorable(*, purged: bool, soft_deleted: bool, user_name: str, deleted_on: datetime | None,
                     now: datetime) -> None:
    """DIR-04: only a soft-deleted user is restored, within RESTORE_WINDOW of its deletion."""
    if purged:
        raise RuleViolation(DIR_04, f"{user_name} was permanently deleted and cannot be restored.")
    if not soft_deleted:
        raise RuleViolation(DIR_04, f"{user_name} is not deleted.")
    if deleted_on and now - deleted_on > RESTORE_WINDOW:
        raise RuleViolation(DIR_04, f"{user_name} was deleted more than 30 days ago and cannot be restored.")


def check_restore_name_free(*, upn: str, taken: bool) -> None:
    """DIR-04: a user is restored under its original UPN, so no live user may hold it."""
    if taken:
        raise RuleViolation(DIR_04, f"Another user now holds the user name {upn}; "
                                    "rename that user before restoring this one.")


def check_usage_location(*, usage_location: str | None) -> None:
    """DIR-10: a licence needs a usage location."""
    if not usage_location:
        raise RuleViolation(DIR_10, "License assignment cannot be done for user with invalid usage location; "
                                    "set the user's usage location first.")



def group_cycle(edges: Mapping[K, Iterable[K]]) -> list[K] | None:
    """DIR-06: a cycle in the graph of nested groups (group -> the groups it holds), as the path
    that closes it (first node repeated at the end), or None. Iterative: nesting may be deep."""
    state: dict[K, int] = {}  # 1 on the current path, 2 done
    for start in list(edges):
        if start in state:
            continue
        path, stack = [start], [iter(edges.get(start, ()))]
        state[start] = 1
        while stack:
            child = next(stack[-1], _DONE)
            if child is _DONE:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append(iter(edges.get(child, ())))
    return None


def check_no_group_cycle(edges: Mapping[K, Iterable[K]], name: Callable[[K], str] = str) -> None:
    """DIR-06: a group may hold groups, but never (through nesting, at any depth) itself."""
    cycle = group_cycle(edges)
    if cycle is not None:
        raise RuleViolation(DIR_06, "Nested groups would form a cycle: " + " > ".join(name(node) for node in cycle) + ".")
