"""The data grid of the long lists (an environment's Users, Active users): row check boxes with the
selection kept on the server, the columns each admin chose ("Edit columns") and the CSV export of
the current view.

- The selection lives in the session, per list and scope (an environment's id): it survives paging,
  sorting and a search, and works without JavaScript. The table sits inside a form; each row posts
  its id as `page_ids` and, ticked, as `selected`; `Selection.record_page` applies what one page says.
- Columns: a table class declares DEFAULT_COLUMNS (shown until the admin chooses) and
  REQUIRED_COLUMNS (never hidden); the choice is one ListColumnChoice row per admin and list.
- The export streams every row of the view (filters, search, sort, chosen columns) through
  `queryset.iterator(chunk_size=...)`: no page is held in memory, no COUNT(*). A cell that a
  spreadsheet would read as a formula (=, +, -, @, tab, carriage return) starts with a quote.
"""
from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils.html import strip_tags
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django_tables2.rows import BoundRow

from users_app.models import ListColumnChoice

SELECTION_MAX = 1000  # a selection larger than this keeps its first ids (a bulk action runs per user)
EXPORT_CHUNK = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- The selection ---------------------------------------------------------------------------


def _ids(values: Iterable[str]) -> list[str]:
    """The values that are ids (UUIDs, as text), in order, once each."""
    seen: dict[str, None] = {}
    for value in values:
        try:
            seen.setdefault(str(uuid.UUID(str(value).strip())), None)
        except ValueError:
            continue
    return list(seen)


class Selection:
    """The ids an admin ticked in one list (`name`) of one scope (an environment's id, or "")."""

    def __init__(self, request, name: str, scope="") -> None:
        self.session = request.session
        self.key = f"grid:selection:{name}:{scope}"

    @property
    def ids(self) -> list[str]:
        return list(self.session.get(self.key, []))

    def __len__(self) -> int:
        return len(self.session.get(self.key, []))

    def __contains__(self, value) -> bool:
        return str(value) in set(self.session.get(self.key, []))

    def replace(self, ids: Iterable) -> None:
        self.session[self.key] = _ids(ids)[:SELECTION_MAX]

    def add(self, ids: Iterable) -> None:
        self.replace([*self.ids, *_ids(ids)])

    def remove(self, ids: Iterable) -> None:
        gone = set(_ids(ids))
        self.replace([i for i in self.ids if i not in gone])

    def clear(self) -> None:
        self.session.pop(self.key, None)

    def record_page(self, data) -> None:
        """What one page of the grid posted: `page_ids` (the rows shown), `selected` (the ticked
        ones), `select_page` (all of the page), `clear` (nothing at all)."""
        if data.get("clear"):
            self.clear()
            return
        shown = _ids(data.getlist("page_ids"))
        ticked = set(shown) if data.get("select_page") else set(_ids(data.getlist("selected"))) & set(shown)
        self.remove([i for i in shown if i not in ticked])
        self.add([i for i in shown if i in ticked])


# --- The grid a template renders --------------------------------------------------------------


@dataclass
class Grid:
    """A table with its selection: `rows` gives (row, id, ticked, label) for the page shown; the
    label names the row for its check box (the table's `grid_label(record)`, else the record)."""

    table: object
    selection: Selection
    selection_url: str

    @property
    def rows(self) -> Iterator[tuple]:
        chosen = set(self.selection.ids)
        field = getattr(self.table, "grid_id", "pk")
        label = getattr(self.table, "grid_label", str)
        for row in self.table.paginated_rows:
            value = str(getattr(row.record, field))
            yield row, value, value in chosen, label(row.record)

    @property
    def count(self) -> int:
        return len(self.selection)

    @property
    def width(self) -> int:
        return len(self.table.columns) + 1


# --- Columns ----------------------------------------------------------------------------------


def column_options(table_class) -> list[tuple[str, str, bool]]:
    """(name, heading, required) of every column a table can show, in its order."""
    required = set(getattr(table_class, "REQUIRED_COLUMNS", ()))
    return [(name, str(column.verbose_name or name), name in required)
            for name, column in table_class.base_columns.items()]


def visible_columns(user, list_key: str, table_class) -> list[str]:
    """The columns this admin shows in this list: the choice kept, else the table's defaults."""
    names = [name for name, _, _ in column_options(table_class)]
    choice = ListColumnChoice.objects.filter(user=user, list_key=list_key).values_list("columns", flat=True).first() \
        if getattr(user, "is_authenticated", False) else None
    chosen = set(choice if isinstance(choice, list) else getattr(table_class, "DEFAULT_COLUMNS", names))
    chosen |= set(getattr(table_class, "REQUIRED_COLUMNS", ()))
    return [name for name in names if name in chosen]


def hidden_columns(user, list_key: str, table_class) -> tuple[str, ...]:
    shown = set(visible_columns(user, list_key, table_class))
    return tuple(name for name, _, _ in column_options(table_class) if name not in shown)


@transaction.atomic
def columns_save(user, list_key: str, table_class, chosen: Iterable[str]) -> list[str]:
    """Keep this admin's columns of this list (unknown names dropped, required ones kept)."""
    names = [name for name, _, _ in column_options(table_class)]
    wanted = set(chosen) | set(getattr(table_class, "REQUIRED_COLUMNS", ()))
    columns = [name for name in names if name in wanted]
    ListColumnChoice.objects.update_or_create(user=user, list_key=list_key, defaults={"columns": columns})
    return columns


# --- The CSV export ---------------------------------------------------------------------------


def csv_safe(value) -> str:
    """A cell's text that no spreadsheet runs as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def export_order(table_class, queryset, sort: str):
    """The queryset in the order the grid shows for `sort` (a keyset sort's keys; by name for a
    sort whose values the grid orders by a lookup's name)."""
    name = sort.lstrip("-")
    keyset = table_class.keyset_sorts.get(name) or table_class.keyset_sorts[table_class.keyset_default]
    if name not in table_class.keyset_sorts:
        sort = table_class.keyset_default
    descending = sort.startswith("-")
    keys = list(keyset.keys)
    if isinstance(keyset.groups, str):  # a lookup shown by name (business unit): order by its name
        column = table_class.base_columns[name]
        keys = [*(column.order_by or ()), keys[-1]]
    queryset = queryset.annotate(**keyset.annotations) if keyset.annotations else queryset
    return queryset.order_by(*[f"-{k}" if descending else k for k in keys])


def export_rows(table, queryset, columns: list[str]) -> Iterator[list[str]]:
    """The header, then each row's cells as text (what the grid shows, without markup)."""
    yield [csv_safe(str(table.columns[name].header)) for name in columns]
    for record in queryset.iterator(chunk_size=EXPORT_CHUNK):
        row = BoundRow(record, table=table)
        yield [csv_safe(strip_tags(str(row.get_cell_value(name) or ""))) for name in columns]


def csv_response(filename: str, rows: Iterable[list[str]]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def export_filename(*parts: str) -> str:
    return "-".join(slugify(p) for p in parts if p) + ".csv"


def safe_next(request, fallback: str) -> str:
    """The `next` URL a form posted, if it is a path of this site; else `fallback`."""
    value = request.POST.get("next") or ""
    if value.startswith("/") and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return fallback
