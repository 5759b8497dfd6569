"""Load tenant file's form: input parsing only (the file's text and name). The file itself is checked
by users_app.services.tenant_upload, as `manage.py load_tenant` checks it."""
from django import forms

from users_app.forms.imports import MAX_UPLOAD_BYTES

TOO_LARGE = "The tenant file is larger than 5 MB: load it with manage.py load_tenant."


class TenantFileForm(forms.Form):
    """A tenant file, uploaded; its text and name are posted again with Confirm (no server-side
    temporary file), and win over an empty file field."""

    file = forms.FileField(label="Tenant file (JSON)", required=False,
                           help_text="The format of the command-line reference's “Tenant file” section.")
    tenant_text = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    tenant_name = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(TOO_LARGE, code="too_large")
            try:
                cleaned["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("The file is not UTF-8 text.") from exc
            cleaned["name"] = upload.name or "the file"
        else:
            cleaned["text"] = cleaned.get("tenant_text") or ""
            cleaned["name"] = cleaned.get("tenant_name") or "the file"
            if len(cleaned["text"]) > MAX_UPLOAD_BYTES // 4 and len(cleaned["text"].encode("utf-8", "surrogatepass")) > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(TOO_LARGE, code="too_large")
        if not cleaned["text"].strip():
            raise forms.ValidationError("Choose a tenant file.")
        return cleaned
