"""`{{ upn|upn_breaks }}`: a user name that may wrap only after its "@" and its dots (B18), never
mid-word: the text escaped, a <wbr> after each of them (the cell sets `overflow-wrap: normal`)."""
from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def upn_breaks(value) -> str:
    text = conditional_escape("" if value is None else str(value))
    return mark_safe(re.sub(r"([@.])", r"\1<wbr>", text))
