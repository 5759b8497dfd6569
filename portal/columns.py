import django_tables2 as tables
from django.utils.html import format_html


class BadgeColumn(tables.Column):
    """A badge coloured by the record's get_<field>_color() (NetBox's coloured choices)."""

    def __init__(self, *args, color_method: str | None = None, **kwargs):
        self.color_method = color_method
        super().__init__(*args, **kwargs)

    def render(self, value, record, bound_column):
        method = self.color_method or f"get_{bound_column.name}_color"
        color = getattr(record, method)() if hasattr(record, method) else "gray"
        display = getattr(record, f"get_{bound_column.accessor}_display", None)
        text = display() if callable(display) else value
        return format_html('<span class="badge badge-{}">{}</span>', color, text)


def state_badge(isdisabled: bool, on: str = "Active", off: str = "Inactive"):
    """A record's state as a badge: green when enabled, gray when disabled."""
    return format_html('<span class="badge badge-{}">{}</span>', "gray" if isdisabled else "green", off if isdisabled else on)
