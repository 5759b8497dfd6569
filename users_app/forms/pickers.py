"""The one people picker of the portal's forms: PeoplePickerField and its widget.

With JavaScript the widget is a combobox (templates/portal/_picker.html, static/js/picker.js):
type ahead over the picker endpoint (users_app/views/pickers.py, the lists' search index), the chosen
as chips, each posting its key. Without it, the same field is a text input (a textarea when several
may be chosen) of user names or display names, one per line, resolved here: an exact user name
(group name), else a display name only one row has; a name that is neither is a field error naming it.

The cleaned value is the chosen rows (a list; one row or None when `multiple=False`), or their keys
as text with `keys=True`. Validation reads `queryset` (set by the form, like a ModelChoiceField's);
the suggestions come from `scope` ("directory", "addable", "environment", "groups": see
users_app/selectors/pickers.py), with `environment` for the environment scopes.
"""
from __future__ import annotations

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.http import urlencode

from portal.forms import SearchForm
from users_app.selectors import pickers as selectors

NOUNS = {"directory": ("directory user", "users"), "addable": ("directory user", "users"),
         "environment": ("user", "users"), "groups": ("group", "groups")}
NOT_FOUND = {"directory": "No directory user '{}'.", "addable": "No directory user '{}'.",
             "environment": "No user '{}' in this environment.", "groups": "No group '{}'."}


class PeoplePickerWidget(forms.Widget):
    template_name = "portal/_picker.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.field: PeoplePickerField | None = None

    def render(self, name, value, attrs=None, renderer=None):
        """Rendered by the project's template engine (templates/portal/_picker.html), not the form renderer's."""
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return [value for value in data.getlist(name) if value is not None]
        value = data.get(name)
        return [] if value is None else (list(value) if isinstance(value, (list, tuple)) else [value])

    def value_omitted_from_data(self, data, files, name):
        return name not in data

    def format_value(self, value):
        return value

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        field = self.field
        chips, typed = field.chosen_for_display(value) if field is not None else ([], [])
        widget = context["widget"]
        widget.update({
            "multiple": field.multiple if field else True,
            "url": field.picker_url() if field else "",
            "chips": chips,
            "text": "\n".join([chip.detail if field.scope != "groups" else chip.label for chip in chips] + typed)
            if field else "",
            "noun": NOUNS.get(field.scope, NOUNS["directory"])[1] if field else "users",
            "exclude": list(field.exclude) if field else [],
        })
        return context


class PeoplePickerField(forms.Field):
    widget = PeoplePickerWidget
    default_error_messages = {
        "required": "Choose at least one.",
        "one": "Choose one only.",
    }

    def __init__(self, *, scope: str, multiple: bool = True, queryset=None, environment=None, exclude=(),
                 keys: bool = False, help_text: str = "", **kwargs):
        if scope not in selectors.SCOPES:
            raise ValueError(f"unknown picker scope {scope!r}")
        self.scope, self.multiple, self.keys = scope, multiple, keys
        self.environment = environment
        self.exclude = [str(key) for key in exclude]
        self.narrowing: dict[str, str] = {}  # the environment scope: {"without_team": teamid} ...
        self._queryset = queryset
        if not help_text:
            name = "group name" if scope == "groups" else "user name (or display name)"
            help_text = ("Type a name and pick from the list. Without JavaScript: "
                         + (f"one {name} per line." if multiple else f"type the {name}."))
        super().__init__(help_text=help_text, **kwargs)
        self.widget.field = self

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.field = result
        result.exclude = list(self.exclude)
        result.narrowing = dict(self.narrowing)
        return result

    # --- the queryset validation reads ------------------------------------------------------------

    @property
    def queryset(self):
        if self._queryset is not None:
            return self._queryset.all()  # a copy: a form's queryset is never evaluated (and cached) in place
        if self.scope in ("addable", "environment") and self.environment is None:
            raise ValueError(f"the {self.scope} picker needs an environment or a queryset")
        return selectors.scope_queryset(self.scope, self.environment)

    @queryset.setter
    def queryset(self, value):
        self._queryset = value

    def picker_url(self) -> str:
        params = [("scope", self.scope)] + [("exclude", key) for key in self.exclude]
        params += [(name, str(value)) for name, value in self.narrowing.items()]
        if self.scope in ("addable", "environment") and self.environment is not None:
            base = reverse("pickers:environment_people", args=[self.environment.environment_id])
        elif self.scope == "addable":  # no environment given: every directory user is suggested
            params[0] = ("scope", "directory")
            base = reverse("pickers:people")
        elif self.scope == "environment":
            return ""
        else:
            base = reverse("pickers:people")
        return f"{base}?{urlencode(params)}"

    # --- input -> rows ---------------------------------------------------------------------------

    @staticmethod
    def _tokens(value) -> list[str]:
        if value in (None, ""):
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        tokens = []
        for item in values:
            if hasattr(item, "pk"):
                tokens.append(item)
                continue
            for line in str(item).splitlines():
                line = line.strip()
                if line and line not in tokens:
                    tokens.append(line)
        return tokens

    def to_python(self, value):
        tokens = self._tokens(value)
        queryset = self.queryset
        plural = NOUNS[self.scope][1]
        found = selectors.by_keys(queryset, [t for t in tokens if isinstance(t, str)])
        rows, errors, seen = [], [], set()
        for token in tokens:
            if not isinstance(token, str):
                candidates = [token]
            elif token in found or token.lower() in found:
                candidates = [found.get(token) or found[token.lower()]]
            else:
                candidates = selectors.resolve_name(queryset, token)
                if not candidates and not selectors.key_like(token):
                    matches = selectors.picker_matches(queryset, token)
                    if matches:
                        count = f"{len(matches)} or more" if len(matches) >= selectors.LIMIT else str(len(matches))
                        errors.append(f"'{token}' matches {count} {plural}: type the user name."
                                      if self.scope != "groups" else f"'{token}' matches {count} groups: type the group's full name.")
                        continue
            if not candidates:
                errors.append(NOT_FOUND[self.scope].format(token))
            elif len(candidates) > 1:
                errors.append(f"'{token}' matches {len(candidates)} {plural}: type the user name."
                              if self.scope != "groups" else f"'{token}' matches {len(candidates)} groups.")
            elif candidates[0].pk not in seen:
                seen.add(candidates[0].pk)
                rows.append(candidates[0])
        if errors:
            raise forms.ValidationError(errors)
        return rows

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if not self.multiple and len(value) > 1:
            raise forms.ValidationError(self.error_messages["one"], code="one")

    def clean(self, value):
        rows = self.to_python(value)
        self.validate(rows)
        self.run_validators(rows)
        if self.keys:
            rows = [str(row.systemuserid) if hasattr(row, "systemuserid") else str(row.pk) for row in rows]
        if not self.multiple:
            return rows[0] if rows else None
        return rows

    def has_changed(self, initial, data):
        return bool(self._tokens(data))

    # --- rows -> what the widget shows --------------------------------------------------------------

    def chosen_for_display(self, value) -> tuple[list[selectors.Match], list[str]]:
        """The chips of the chosen rows, and the typed names that match no row (kept as typed)."""
        tokens = self._tokens(value)
        if not tokens:
            return [], []
        rows = [t for t in tokens if not isinstance(t, str)]
        texts = [t for t in tokens if isinstance(t, str)]
        try:
            queryset = self.queryset
        except ValueError:
            return [selectors.match_of(row) for row in rows], texts
        found = selectors.by_keys(queryset, texts)
        typed = []
        for text in texts:
            if text in found:
                rows.append(found[text])
            else:
                resolved = selectors.resolve_name(queryset, text)
                if len(resolved) == 1:
                    rows.append(resolved[0])
                else:
                    typed.append(text)
        return [selectors.match_of(row) for row in rows], typed


class PickerPageForm(SearchForm):
    """The search box of the picker's page of matches (no JavaScript): `q`, the scope kept hidden."""
    scope = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, label="Name or user name", auto_id="picker-page-%s", **kwargs)
