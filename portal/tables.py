"""The portal's table base (house style 27): CSS classes, empty text, HTMX-aware template."""
import django_tables2 as tables
from django_tables2 import RequestConfig


class PortalTable(tables.Table):
    DEFAULT_COLUMNS: tuple[str, ...] = ()
    # The id of the table's root element, which is also the name of the page's partial
    # that renders it (house style 21): sort and page links swap that element.
    container_id = "table"

    class Meta:
        attrs = {"class": "table"}
        template_name = "portal/_table.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.empty_text:
            model = getattr(self._meta, "model", None)
            plural = model._meta.verbose_name_plural if model is not None else "rows"
            self.empty_text = f"No {plural} to show."

    def configure(self, request, per_page: int = 25):
        """Sorting and paging from the query string (so a view can be shared by URL)."""
        RequestConfig(request, paginate={"per_page": per_page}).configure(self)
        return self
