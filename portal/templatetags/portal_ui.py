"""The screen toolkit's template pieces, used by every page.

- `{% icon "person_add" %}`: a Fluent System Icon (20 px, regular) from the vendored sprite
  static/vendor/fluent/icons.svg, drawn in the text's colour, hidden from assistive technology
  (the button or link around it carries the name). `scripts/update_fluent.py` builds the sprite
  from the names the templates use.
- `{% panel "Title" id="roles-panel" close_url=url %}...{% endpanel %}`: a side panel (the right-hand
  flyout of the admin centers): a dialog with its title, a close link and the body. It is a plain
  page region without JavaScript (a full page shows it, Close is a link back); static/js/portal.js
  adds the overlay, Escape, moving focus into it and back, and keeping focus inside while open.
  `size="wide"` for a wider panel (diagnostics).
- `{% with action=message|toast_action %}`: a toast's one follow-up command. A view adds it with the
  message's extra tags `action:<url>|<label>` (e.g. after a business unit change, "Manage security
  roles"); the toast shows a button that opens that side panel.
"""
from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

ICON_SPRITE = "vendor/fluent/icons.svg"


@register.simple_tag
def icon(name: str, label: str = "") -> str:
    """An inline SVG that uses the sprite's symbol `name`; with `label`, it is announced instead."""
    aria = format_html('role="img" aria-label="{}"', label) if label else mark_safe('aria-hidden="true"')
    return format_html('<svg class="icon" {} focusable="false"><use href="{}#{}"></use></svg>',
                       aria, static(ICON_SPRITE), name)


class PanelNode(template.Node):
    def __init__(self, nodelist, title, options):
        self.nodelist, self.title, self.options = nodelist, title, options

    def render(self, context):
        values = {key: value.resolve(context) for key, value in self.options.items()}
        panel_id = values.get("id") or "side-panel"
        close_url = values.get("close_url") or ""
        size = values.get("size") or ""
        close = format_html('<a class="flyout-close" href="{}" data-panel-close aria-label="Close">{}</a>',
                            close_url, icon("dismiss")) if close_url else ""
        return format_html(
            '<div class="flyout{}" id="{}" data-panel>'
            '<section class="flyout-panel" role="dialog" aria-modal="true" aria-labelledby="{}-title" tabindex="-1">'
            '<div class="flyout-header"><h2 id="{}-title">{}</h2>{}</div>'
            '<div class="flyout-body">{}</div></section></div>',
            f" flyout-{size}" if size else "", panel_id, panel_id, panel_id, self.title.resolve(context), close,
            self.nodelist.render(context))


@register.tag
def panel(parser, token):
    """{% panel title [id=..] [close_url=..] [size=..] %} ... {% endpanel %}"""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% panel %} needs a title")
    title = parser.compile_filter(bits[1])
    options = {}
    for bit in bits[2:]:
        key, sep, value = bit.partition("=")
        if not sep or key not in ("id", "close_url", "size"):
            raise template.TemplateSyntaxError(f"{{% panel %}}: unknown option {bit!r}")
        options[key] = parser.compile_filter(value)
    nodelist = parser.parse(("endpanel",))
    parser.delete_first_token()
    return PanelNode(nodelist, title, options)


@register.filter
def toast_action(message) -> dict | None:
    """The follow-up command of a message whose extra tags are `action:<url>|<label>`, else None."""
    tags = getattr(message, "extra_tags", "") or ""
    if not tags.startswith("action:") or "|" not in tags:
        return None
    url, label = tags[len("action:"):].split("|", 1)
    return {"url": url, "label": label}
