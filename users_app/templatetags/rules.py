"""Rule IDs as links to their explanation: `{{ rule_id|rule_link }}` renders a link to
/rules/<ID>/ for a known rule ID and the plain (escaped) text for anything else (a field name,
`not-found`); `{{ text|rule_links }}` links every known ID inside a sentence."""
from __future__ import annotations

import re

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from users_app.provisioning.rules import catalogue

register = template.Library()

RULE_ID = re.compile(r"\b([A-Z]{3,6}-\d{2})\b")


def _anchor(rule_id: str) -> str:
    entry = catalogue.BY_ID[rule_id]
    return format_html('<a class="rule-chip" href="{}" title="{}">{}</a>',
                       reverse("rules:rule_detail", args=[rule_id]), entry.title, rule_id)


@register.filter
def rule_link(value) -> str:
    text = "" if value is None else str(value)
    if text in catalogue.BY_ID:
        return _anchor(text)
    return conditional_escape(text)


@register.filter
def rule_links(value) -> str:
    """Every known rule ID in the text as a link, the rest escaped."""
    text = "" if value is None else str(value)
    parts, last = [], 0
    for match in RULE_ID.finditer(text):
        if match.group(1) in catalogue.BY_ID:
            parts += [conditional_escape(text[last:match.start()]), _anchor(match.group(1))]
            last = match.end()
    parts.append(conditional_escape(text[last:]))
    return mark_safe("".join(str(part) for part in parts))
