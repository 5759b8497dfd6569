"""DIR: the directory's own rules (licences, usage location, groups)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from .ids import DIR_02, DIR_06, DIR_10
from .violation import RuleViolation

K = TypeVar("K")
_DONE = object()



def check_licence_seats(*, sku_name: str, seats: int, used: int, adding: int = 1) -> None:
    """DIR-02: a licence beyond its seats is refused."""
    if used + adding > seats:
        raise RuleViolation(DIR_02, f"No seats left for {sku_name}: {used} of {seats} in use.")


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
