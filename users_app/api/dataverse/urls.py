"""The Dataverse Web API v9.2 subset of one environment, under
/dataverse/<environment_id>/api/data/v9.2/ (users_app/api/urls.py passes `environment_id`).

- {set}, {set}(<guid>): systemusers, teams, roles, businessunits, accounts, positions
- {set}(<guid>)/{navigation}, .../{association}/$ref, .../{association}(<guid>)/$ref
- WhoAmI, EntityDefinitions (the two look-ups the Dataverse client makes), $metadata
- anything else: 400 (or 404 for an unknown entity set) in Dataverse's shape
"""
from django.urls import re_path

from . import views

SET = r"(?P<entity_set>[A-Za-z_][A-Za-z0-9_]*)"
KEY = r"\((?P<key>[^()]*)\)"
NAV = r"(?P<nav>[A-Za-z_][A-Za-z0-9_]*)"

urlpatterns = [
    re_path(r"^WhoAmI(?:\(\))?$", views.who_am_i, name="whoami"),
    re_path(r"^\$metadata$", views.csdl, name="metadata"),
    re_path(r"^EntityDefinitions$", views.entity_definitions, name="entity-definitions"),
    re_path(r"^EntityDefinitions\((?P<key>[^()]*(?:'[^']*')?)\)$", views.entity_definition, name="entity-definition"),
    re_path(r"^EntityDefinitions\((?P<key>[^()]*)\)/(?P<attributes>Attributes)(?:/(?P<cast>[A-Za-z.]+))?$",
            views.entity_definition, name="entity-attributes"),
    re_path(rf"^{SET}{KEY}/{NAV}/\$ref$", views.reference, name="reference"),
    re_path(rf"^{SET}{KEY}/{NAV}\((?P<related>[^()]*)\)/\$ref$", views.reference, name="reference-key"),
    re_path(rf"^{SET}{KEY}/{NAV}$", views.navigation, name="navigation"),
    re_path(rf"^{SET}{KEY}$", views.item, name="item"),
    re_path(rf"^{SET}$", views.collection, name="collection"),
    re_path(r"^(?P<rest>.*)$", views.unsupported, name="unsupported"),
]
