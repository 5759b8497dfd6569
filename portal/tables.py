"""The portal's table base: CSS classes, empty text, the HTMX-aware template, and the paging a
table asks for (django-tables2's pages, or keyset pages from portal/paging.py for a table with
`keyset_sorts`)."""
from __future__ import annotations

from collections.abc import Callable

import django_tables2 as tables
from django_tables2 import RequestConfig

from portal.paging import KeysetSort, keyset_configure

__all__ = ["EnvironmentScopedTable", "KeysetSort", "PortalTable"]


class PortalTable(tables.Table):
    # The id of the table's root element, which is also the name of the page's partial
    # that renders it: sort and page links swap that element.
    container_id = "table"
    # Keyset paging: column name -> KeysetSort for every orderable column (see portal/paging.py).
    keyset_sorts: dict[str, KeysetSort] = {}
    keyset_default = ""  # the column sorted by when the URL names none
    count_noun = "rows"

    class Meta:
        attrs = {"class": "table"}
        template_name = "portal/_table.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.empty_text:
            model = getattr(self._meta, "model", None)
            plural = model._meta.verbose_name_plural if model is not None else "rows"
            self.empty_text = f"No {plural} to show."

    def configure(self, request, per_page: int = 25, *, groups: dict[str, Callable[[], list]] | None = None):
        """Sorting and paging from the query string (so a view can be shared by URL). `groups`
        gives the ordered values of the grouped sorts that come from the database."""
        if self.keyset_sorts:
            keyset_configure(self, request, per_page, groups or {})
            return self
        RequestConfig(request, paginate={"per_page": per_page}).configure(self)
        return self


class EnvironmentScopedTable(PortalTable):
    """A table of one environment's rows; links carry the environment's id (no query per row)."""

    def __init__(self, *args, environment, **kwargs):
        self.environment = environment
        super().__init__(*args, **kwargs)
