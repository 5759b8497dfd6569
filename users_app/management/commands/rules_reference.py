"""rules_reference [--check] [--output PATH]: write docs/rules.md, the rules reference.

Each rule's title and what it decides come from the rules package's catalogue; where it is
decided and which tests name it are found when the file is generated, by parsing the source
(ast, tokenize), so the reference follows the code wherever modules move:
- decided in: the functions (or module-level names) of users_app/provisioning/rules/ that use
  the rule's constant (DIR_06, ids.DIR_06) or its ID as a string, or whose docstring cites it
  (a function's docstring cites the rule it serves);
- used from: code outside the package (tests and migrations aside) that calls those functions,
  uses the rule's constant or ID, or cites it in a docstring;
- named by tests: test functions under tests/ whose name, docstring or comments hold the ID
  (module docstrings and comments outside a test count for the file).
The output is sorted and carries no date, so `--check` (exit 1 when the file is not what the
command would write) is stable.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from users_app.provisioning import rules as rules_package
from users_app.provisioning.rules import catalogue
from users_app.provisioning.rules.ids import ALL_RULE_IDS

DEFAULT_OUTPUT = Path("docs") / "rules.md"
# Modules of the rules package that list or describe IDs rather than decide anything.
NOT_DECIDING = {"ids.py", "catalogue.py", "__init__.py"}
SKIPPED_DIRS = {"migrations", "tests", "node_modules", "__pycache__"}


def constant_of(rule_id: str) -> str:
    return rule_id.replace("-", "_")


_PREFIXES = sorted({rule_id.split("-")[0] for rule_id in ALL_RULE_IDS}, key=len, reverse=True)
# An ID in prose (ELIG-03, also ELIG-03e) or in a name (test_elig_03_..., elig03), any case.
ID_IN_TEXT = re.compile(rf"(?<![A-Za-z0-9])({'|'.join(_PREFIXES)})[-_]?(\d{{2}})(?!\d)", re.IGNORECASE)


def ids_in(text: str) -> set[str]:
    """The rule IDs a text names."""
    found = {f"{prefix.upper()}-{number}" for prefix, number in ID_IN_TEXT.findall(text)}
    return found & set(ALL_RULE_IDS)


# --- reading the source ----------------------------------------------------------------------


class Module:
    """One parsed source file, with the names of its top-level definitions and their spans."""

    def __init__(self, path: Path, root: Path):
        self.path = path
        self.rel = path.relative_to(root).as_posix()
        self.source = path.read_text(encoding="utf-8")
        self.tree = ast.parse(self.source, filename=self.rel)
        parts = list(path.relative_to(root).with_suffix("").parts)
        self.is_package = parts[-1] == "__init__"
        self.dotted = ".".join(parts[:-1] if self.is_package else parts)

    def owners(self):
        """(qualified name, node) of each top-level function, class method and class; module-level
        statements are owned by the names they assign, or by the module ("")."""
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield node.name, node
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        yield f"{node.name}.{item.name}", item
                    else:
                        yield node.name, item
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                yield (names[0] if names else ""), node
            else:
                yield "", node


    def cited(self):
        """(rule ID, owner) for each rule a function's or class's docstring cites (the rule it serves)."""
        for owner, node in self.owners():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for rule_id in ids_in(ast.get_docstring(node) or ""):
                    yield rule_id, owner
        for node in self.tree.body:
            if isinstance(node, ast.ClassDef):
                for rule_id in ids_in(ast.get_docstring(node) or ""):
                    yield rule_id, node.name

    def references(self) -> list[tuple[str, ast.AST]]:
        """(owner, node) for every name, attribute and string constant that is not a docstring,
        read in one walk of the tree and kept."""
        if not hasattr(self, "_references"):
            docstrings, found = set(), []
            for owner, node in self.owners():
                for sub in ast.walk(node):
                    if isinstance(sub, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and sub.body \
                            and isinstance(sub.body[0], ast.Expr) and isinstance(sub.body[0].value, ast.Constant):
                        docstrings.add(id(sub.body[0].value))
                    elif isinstance(sub, (ast.Name, ast.Attribute)) or (
                            isinstance(sub, ast.Constant) and isinstance(sub.value, str)):
                        found.append((owner, sub))
            for scope in [self.tree, *(n for n in self.tree.body if isinstance(n, ast.ClassDef))]:
                first = scope.body[0] if scope.body else None
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    docstrings.add(id(first.value))
            self._references = [(owner, sub) for owner, sub in found if id(sub) not in docstrings]
        return self._references


def python_files(directory: Path):
    for path in sorted(directory.rglob("*.py")):
        if not SKIPPED_DIRS.intersection(path.relative_to(directory).parts[:-1]) and path.is_file():
            yield path


_PARSED: dict[tuple[Path, int, int], Module | None] = {}


def parse_all(paths, root: Path):
    """The modules that still exist when read and parse (a file moved or half-written meanwhile is
    skipped; the suite itself fails on a file that does not parse). A file is parsed once for as
    long as it is unchanged."""
    for path in paths:
        try:
            stat = path.stat()
            key = (path, stat.st_mtime_ns, stat.st_size)
            if key not in _PARSED:
                _PARSED[key] = Module(path, root)
        except (FileNotFoundError, SyntaxError):
            continue
        yield _PARSED[key]


# --- where each rule is decided ---------------------------------------------------------------


def rule_uses(module: Module, constants: dict[str, str], strings: set[str]):
    """(rule ID, owner) for every use of a rule's constant or exact ID string in the module."""
    for owner, sub in module.references():
        if isinstance(sub, ast.Name):
            if sub.id in constants:
                yield constants[sub.id], owner
        elif isinstance(sub, ast.Attribute):
            if sub.attr in constants:
                yield constants[sub.attr], owner
        elif sub.value in strings:
            yield sub.value, owner


class RulesImports:
    """How one outside module refers to the rules package: names imported from it, and the
    local names bound to the package or one of its modules."""

    def __init__(self, module: Module, package: str, submodules: set[str]):
        self.names: dict[str, tuple[str | None, str]] = {}  # local name -> (rules module or None, name)
        self.namespaces: dict[str, str | None] = {}  # local name -> rules module (None: the package)
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname and self._inside(alias.name, package):
                        self.namespaces[alias.asname] = self._submodule(alias.name, package)
            elif isinstance(node, ast.ImportFrom):
                base = self._absolute(node, module)
                for alias in node.names:
                    local = alias.asname or alias.name
                    if f"{base}.{alias.name}" == package:
                        self.namespaces[local] = None
                    elif self._inside(base, package):
                        if base == package and alias.name in submodules:
                            self.namespaces[local] = alias.name
                        else:
                            self.names[local] = (self._submodule(base, package), alias.name)

    @staticmethod
    def _inside(dotted: str, package: str) -> bool:
        return dotted == package or dotted.startswith(package + ".")

    @staticmethod
    def _submodule(dotted: str, package: str) -> str | None:
        return dotted[len(package) + 1:].split(".")[0] if dotted != package else None

    @staticmethod
    def _absolute(node: ast.ImportFrom, module: Module) -> str:
        if not node.level:
            return node.module or ""
        parts = module.dotted.split(".")
        if not module.is_package:
            parts = parts[:-1]
        parts = parts[:len(parts) - (node.level - 1)] if node.level > 1 else parts
        return ".".join(parts + ([node.module] if node.module else []))

    def references(self, node: ast.AST):
        """(rules module or None, name) this node refers to, if it refers to the rules package."""
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.names[node.id]
        if isinstance(node, ast.Attribute):
            value = node.value
            if isinstance(value, ast.Name) and value.id in self.namespaces:
                return self.namespaces[value.id], node.attr
            if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) \
                    and self.namespaces.get(value.value.id, "") is None:
                return value.attr, node.attr  # rules.admin_roles.check
        return None


def where_decided(root: Path, rules_dir: Path, package: str):
    """rule ID -> {module path: owners} inside the package, and the same for the code outside it."""
    constants = {constant_of(rule_id): rule_id for rule_id in ALL_RULE_IDS}
    strings = set(ALL_RULE_IDS)
    inside: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    deciders: dict[tuple[str, str], set[str]] = defaultdict(set)  # (rules module, top-level name) -> IDs
    submodules = {path.stem for path in rules_dir.glob("*.py") if path.name != "__init__.py"}
    submodules |= {path.name for path in rules_dir.iterdir() if (path / "__init__.py").exists()}
    paths = [p for p in python_files(rules_dir) if not (p.name in NOT_DECIDING and p.parent == rules_dir)]
    for module in parse_all(paths, root):
        path = module.path
        stem = path.relative_to(rules_dir).parts[0].removesuffix(".py")
        for rule_id, owner in [*rule_uses(module, constants, strings), *module.cited()]:
            inside[rule_id][module.rel].add(owner)
            if owner:
                deciders[(stem, owner.split(".")[0])].add(rule_id)
    by_name: dict[str, set[str]] = defaultdict(set)
    for (_stem, name), ids in deciders.items():
        by_name[name] |= ids
    outside: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for top in sorted(root.iterdir()):
        if not (top / "__init__.py").exists() or top.name in SKIPPED_DIRS:
            continue
        paths = [p for p in python_files(top) if not p.is_relative_to(rules_dir)]
        for module in parse_all(paths, root):
            imports = RulesImports(module, package, submodules)
            for rule_id, owner in [*rule_uses(module, constants, strings), *module.cited()]:
                outside[rule_id][module.rel].add(owner)
            if not (imports.names or imports.namespaces):
                continue
            for owner, sub in module.references():
                ref = imports.references(sub)
                if ref is None:
                    continue
                stem, name = ref
                ids = deciders.get((stem, name), set()) if stem else by_name.get(name, set())
                for rule_id in ids:
                    outside[rule_id][module.rel].add(owner)
    return inside, outside


# --- which tests name each rule ---------------------------------------------------------------


def tests_naming(root: Path) -> dict[str, dict[str, set[str]]]:
    """rule ID -> {test file: test function names ("" for the file itself)}."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    tests_dir = root / "tests"
    if not tests_dir.is_dir():
        return found
    for module in parse_all(sorted(tests_dir.rglob("*.py")), root):
        path = module.path
        spans = []  # (first line, last line, name) of each test function
        texts: dict[str, list[str]] = defaultdict(list)
        texts[""] += [path.stem, ast.get_docstring(module.tree) or ""]
        for node in ast.walk(module.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                spans.append((node.lineno, node.end_lineno, node.name))
                texts[node.name] += [node.name, ast.get_docstring(node) or ""]
        tokens = tokenize.generate_tokens(io.StringIO(module.source).readline)
        for token in tokens:
            if token.type == tokenize.COMMENT:
                line = token.start[0]
                owner = next((name for first, last, name in spans if first <= line <= last), "")
                texts[owner].append(token.string)
        for owner, chunks in texts.items():
            text = "\n".join(chunks)
            for rule_id in ids_in(text):
                found[rule_id][module.rel].add(owner)
    return found


# --- the document -----------------------------------------------------------------------------


def slug(heading: str) -> str:
    """The anchor a Markdown renderer makes of a heading."""
    return re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")


def _link(rel: str) -> str:
    return f"[`{rel}`](../{rel})"


def _places(places: dict[str, set[str]]) -> str:
    parts = []
    for rel in sorted(places):
        names = sorted(name for name in places[rel] if name)
        parts.append(_link(rel) + (" (" + ", ".join(f"`{name}`" for name in names) + ")" if names else ""))
    return "; ".join(parts)


def find_definition(root: Path, name: str) -> str | None:
    for top in sorted(root.iterdir()):
        if (top / "__init__.py").exists() and top.name not in SKIPPED_DIRS:
            for module in parse_all(python_files(top), root):
                if any(isinstance(node, ast.FunctionDef) and node.name == name for node in module.tree.body):
                    return module.rel
    return None


def render(root: Path) -> str:
    rules_dir = Path(rules_package.__file__).resolve().parent
    inside, outside = where_decided(root, rules_dir, rules_package.__name__)
    tests = tests_naming(root)
    rules_rel = rules_dir.relative_to(root).as_posix()
    lines = [
        "# Rules reference",
        "",
        "<!-- Generated by `python manage.py rules_reference`; do not edit by hand. The titles and",
        f"explanations live in {rules_rel}/catalogue.py; the places in the code and the tests are",
        "found in the source each time the file is generated. `rules_reference --check` says whether",
        "this file is current (a test runs it). -->",
        "",
        "Every decision the portal makes names the rules behind it, by ID: a refusal, a disabled record, "
        "a line of Run diagnostics. This page explains each ID in a sentence or two and points to the "
        f"code that decides it ([`{rules_rel}/`](../{rules_rel}/)) and to the tests that name it. "
        "Signed in to the portal, the same explanations are at `/rules/` and `/rules/<ID>/`. Where the "
        "rules left a choice open, the choice is written down in [rules-decisions.md](rules-decisions.md); "
        "the command line is described in [cli.md](cli.md).",
        "",
        "For each rule:",
        "",
        "- **Decided in**: the functions of the rules package that use the rule's constant or its ID, or "
        "whose docstring cites it.",
        "- **Used from**: code outside the package (tests and migrations aside) that calls those "
        "functions, uses the rule's ID, or cites it in a docstring.",
        "- **Named by tests**: test functions whose name, docstring or comments hold the ID (a file "
        "listed alone names it at module level).",
        "",
        "## Families",
        "",
    ]
    for family in catalogue.FAMILIES:
        ids = [e.rule_id for e in catalogue.ENTRIES if e.family == family.prefix]
        heading = f"{family.prefix}: {family.name}"
        lines.append(f"- [{heading}](#{slug(heading)}): {ids[0]} to {ids[-1]}")
    home = find_definition(root, catalogue.SYSTEM_ADMINISTRATOR_FUNCTION)
    lines += ["", "## System Administrator of an environment", "", catalogue.SYSTEM_ADMINISTRATOR, ""]
    if home:
        lines += [f"One function holds this definition: `{catalogue.SYSTEM_ADMINISTRATOR_FUNCTION}` in "
                  f"{_link(home)}.", ""]
    for family in catalogue.FAMILIES:
        lines += [f"## {family.prefix}: {family.name}", "", family.about, ""]
        for entry in catalogue.ENTRIES:
            if entry.family != family.prefix:
                continue
            lines += [f"### {entry.rule_id}: {entry.title}", "", entry.decides, ""]
            decided = _places(inside.get(entry.rule_id, {}))
            used = _places(outside.get(entry.rule_id, {}))
            named = _places(tests.get(entry.rule_id, {}))
            lines.append("- **Decided in**: " + (decided or "no module of the rules package names it."))
            lines.append("- **Used from**: " + (used or "nothing outside the rules package."))
            lines.append("- **Named by tests**: " + (named or "none."))
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


class Command(BaseCommand):
    help = "Write the rules reference (docs/rules.md) from the rules package, or --check that it is current."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="write nothing; exit 1 when the file differs from what would be written.")
        parser.add_argument("--output", metavar="PATH", default=None,
                            help="where to write (default: docs/rules.md in the project).")

    def handle(self, *args, check=False, output=None, **options):
        root = Path(settings.BASE_DIR).resolve()
        target = Path(output) if output else root / DEFAULT_OUTPUT
        text = render(root)
        if check:
            current = target.read_text(encoding="utf-8") if target.exists() else None
            if current != text:
                self.stderr.write(f"error: {target.name}: stale, run `python manage.py rules_reference` to "
                                  "write it again.", style_func=lambda s: s)
                raise SystemExit(1)
            self.stdout.write(f"{target.name} is current.")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {target} ({len(catalogue.ENTRIES)} rules).")
