"""The audit log screens, included under /m365/audit/ in the m365 namespace."""
from django.urls import path

from users_app.views import audit

urlpatterns = [
    path("", audit.audit_list, name="audit_list"),
    path("export.csv", audit.audit_export, name="audit_export"),
]
