"""The layout holds: one home per rule, dependencies one way, no import cycle, modules one can read.

- Outside users_app/provisioning/rules/, nothing builds a RuleViolation: a refusal by a rule comes
  from a check in the rules package, and a malformed field is InvalidInput, which never names a
  rule ID. The detector is run on a planted example first, so that a check that finds nothing
  cannot pass by accident.
- environments_app is the lower app: it imports nothing from users_app.
- No import cycle between the project's modules (tests and migrations aside), imports inside
  functions included.
- No module over MAX_LINES lines.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "users_app", "environments_app")
RULES_PACKAGE = ROOT / "users_app" / "provisioning" / "rules"
RULE_ID = re.compile(r"^[A-Z]{2,6}-\d{2}$")
MAX_LINES = 460


def _sources() -> dict[str, Path]:
    """Module name -> file, for every module of the project's apps (migrations aside)."""
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _rule_refusals_outside_rules(tree: ast.AST) -> list[str]:
    """Each `RuleViolation(...)` built here, and each InvalidInput(...) given a rule ID, as 'line: text'."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        first = node.args[0] if node.args else None
        names_rule = isinstance(first, ast.Constant) and isinstance(first.value, str) and RULE_ID.match(first.value)
        if name == "RuleViolation" or (name == "InvalidInput" and names_rule):
            found.append(f"{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_the_detector_finds_a_planted_refusal():
    planted = ast.parse('def f():\n    raise RuleViolation("DIR-02", "No seats left.")\n'
                        'def g():\n    raise rules.RuleViolation(rules.SYNC_06, "two records")\n'
                        'def h():\n    raise InvalidInput("MODE-03", "a rule in disguise")\n'
                        'def ok():\n    raise InvalidInput("usage_location", "two letters")\n')
    assert [hit.split(":")[0] for hit in _rule_refusals_outside_rules(planted)] == ["2", "4", "6"]


def test_rule_refusals_are_built_only_in_the_rules_package():
    offenders = []
    for module, path in _sources().items():
        if RULES_PACKAGE in path.parents:
            continue
        offenders += [f"{path.relative_to(ROOT)}:{hit}" for hit in _rule_refusals_outside_rules(ast.parse(path.read_text()))]
    assert offenders == [], "refuse through a check of users_app/provisioning/rules/ (or InvalidInput for a field):\n" + "\n".join(offenders)


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The project's modules that `module` imports (relative imports resolved, submodules kept)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(p for p in [*parts, base] if p)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                out.add(name)
    return out


def _graph() -> dict[str, set[str]]:
    sources = _sources()
    known = set(sources)
    graph = {}
    for module, path in sources.items():
        edges = _imports(module, path, known)
        if path.name == "__init__.py":  # a package re-exporting its own submodules is not a cycle
            edges = {m for m in edges if not m.startswith(module + ".")}
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on, stack, found, counter = {}, {}, set(), [], [], 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_planted_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_the_projects_modules():
    assert _cycles(_graph()) == []


def test_environments_app_imports_nothing_from_users_app():
    graph = _graph()
    back = sorted(f"{module} -> {target}" for module, targets in graph.items() if module.startswith("environments_app")
                  for target in targets if target.startswith("users_app"))
    assert back == []


@pytest.mark.parametrize("app", APPS)
def test_no_module_is_longer_than_one_can_hold_in_mind(app):
    long = {str(path.relative_to(ROOT)): n for module, path in _sources().items() if module.split(".")[0] == app
            and (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}
