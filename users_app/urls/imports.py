"""Data import with stub users and the bulk reassign (STUB). Mounted at the site root: the paths are full."""
from django.urls import path

from users_app.views import imports as views

app_name = "imports"

ENV = "environments/<uuid:environment_id>/"

urlpatterns = [
    path(f"{ENV}import/", views.data_import, name="data_import"),
    path(f"{ENV}import/preview/", views.data_import_preview, name="data_import_preview"),
    path(f"{ENV}import/reassign/", views.data_reassign, name="data_reassign"),
]
