"""Forms of the data import and the bulk reassign: input parsing only. The rules (STUB) are
checked by users_app.services.imports, never here."""
from django import forms

from users_app.forms.pickers import PeoplePickerField
from users_app.selectors.imports import reassign_target_choices, stub_user_list

# The largest CSV the data import and the bulk reassign take, as a file or as text, for the
# preview and again when the previewed text is posted back to import it (the same limit for
# both steps: portal/settings.py's DATA_UPLOAD_MAX_MEMORY_SIZE leaves room for it).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
TOO_LARGE = "The CSV is larger than 5 MB: split it into smaller files."


def csv_text(text: str) -> str:
    """The CSV's text as both steps see it: no byte-order mark, lines ending in LF (a browser
    posts a textarea's lines back with CR LF), refused above MAX_UPLOAD_BYTES of UTF-8."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if len(text) > MAX_UPLOAD_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(TOO_LARGE, code="too_large")
    return text


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.fullname or obj.domainname
        state = " (disabled)" if obj.isdisabled else ""
        return f"{name} · {obj.domainname}{state}" if obj.fullname else f"{name}{state}"


class CsvInputForm(forms.Form):
    """A CSV given as an uploaded file or pasted as text (the file wins)."""

    file = forms.FileField(label="CSV file", required=False)
    csv_text = forms.CharField(label="Or paste the lines", required=False,
                               widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}))

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(TOO_LARGE, code="too_large")
            try:
                cleaned["text"] = csv_text(upload.read().decode("utf-8-sig"))
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("The file is not UTF-8 text.") from exc
        elif self.has_error("csv_text"):  # e.g. a NUL character, refused by the field itself
            return cleaned
        else:
            cleaned["text"] = csv_text(cleaned.get("csv_text") or "")
        if not cleaned["text"].strip():
            raise forms.ValidationError("Choose a CSV file or paste its lines.")
        return cleaned


class DataImportConfirmForm(forms.Form):
    """The previewed CSV, carried back in a hidden textarea (no server-side temporary files)."""

    csv_text = forms.CharField(label="CSV", widget=forms.Textarea(attrs={"hidden": True}), strip=False)

    def clean_csv_text(self) -> str:
        return csv_text(self.cleaned_data["csv_text"])


class ReassignPickForm(forms.Form):
    """STUB-04: every record of one stub user to one real user."""

    source = UserChoiceField(label="Stub user", queryset=None, to_field_name="systemuserid",
                             empty_label="Select a stub user")
    target = PeoplePickerField(label="Reassign records to", scope="environment", multiple=False)

    def __init__(self, *args, environment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = stub_user_list(environment=environment)
        self.fields["target"].queryset = reassign_target_choices(environment=environment)
        self.fields["target"].environment = environment
