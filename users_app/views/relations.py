"""The relation tab, one declared piece (templates/portal/_relation.html): the members, owners or
holders of something as a paged, searchable table, the people picker to add, and a Remove per row
through the one confirmation panel (portal/_confirm.html).

A view declares a `Relation` (its element id, title, URLs, the add form) and gives `relation_context`
the rows' queryset, how to search and show them; the template renders every relation the same way.
The total shown in the tab's title is the one the page's header shows too (`total`, read once): over
htmx the header's count comes out of band with the tab (`count_id`), so the two never disagree (B10)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest

PER_PAGE = 25
MAX_SEARCH = 100


@dataclass(frozen=True)
class RelationRow:
    """One row: who, where their page is, what to show beside the name, and its Remove link."""
    key: str
    name: str
    url: str | None
    detail: str
    kind: str = "User"
    badge: str = ""
    remove_url: str | None = None


@dataclass
class Relation:
    id: str  # the tab's element id, e.g. "group-members"
    title: str  # "Members"
    noun: str  # "member" (the count says "3 members")
    url: str  # the tab (search and paging GET it)
    total: int  # the count the page's header shows too
    count_id: str | None = None  # the header's count element, refreshed out of band
    description: str = ""
    can_edit: bool = False
    add_form: object = None
    add_url: str = ""
    add_title: str = ""
    add_button: str = "Add"
    show_kind: bool = False
    rows: list[RelationRow] = field(default_factory=list)
    page: object = None
    q: str = ""
    matching: int = 0


def search_text(request: HttpRequest) -> str:
    return (request.GET.get("q") or "").strip()[:MAX_SEARCH]


def page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page") or 1))
    except ValueError:
        return 1


def relation_context(request: HttpRequest, relation: Relation, queryset: QuerySet, *, search: tuple[str, ...],
                     row: Callable[[object], RelationRow]) -> Relation:
    """The page of `queryset` (ordered, indexed by the relation's owner) the request asks for: `q`
    (icontains over `search`) and `page` (LIMIT/OFFSET over the relation's own small index range)."""
    text = search_text(request)
    if text:
        condition = Q()
        for name in search:
            condition |= Q(**{f"{name}__icontains": text})
        queryset = queryset.filter(condition)
    page = Paginator(queryset, PER_PAGE).get_page(page_number(request))
    relation.rows = [row(item) for item in page.object_list]
    relation.page = page
    relation.q = text
    relation.matching = page.paginator.count
    return relation
