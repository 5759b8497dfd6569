"""FIELD: which SystemUser columns follow the directory, and how."""
from __future__ import annotations

# --- FIELD: which columns follow the directory -----------------------------------------

FIELD_MAP = (  # Dataverse column <- directory field (rules.md, FIELD)
    ("domainname", "user_principal_name"),
    ("fullname", "display_name"),
    ("jobtitle", "job_title"),
    ("firstname", "given_name"),
    ("lastname", "surname"),
    ("internalemailaddress", "mail"),
    ("address1_telephone1", "business_phone"),
    ("mobilephone", "mobile_phone"),
    ("address1_line1", "street_address"),
    ("address1_city", "city"),
    ("address1_stateorprovince", "state"),
    ("address1_postalcode", "postal_code"),
    ("address1_country", "country"),
)
FIELD_COLUMNS = tuple(column for column, _ in FIELD_MAP)
BLANK_FIRST_NAME = "#"
# Dataverse columns shorter than the directory field they follow: the value is cut to the
# column, as Dataverse's own sync does, rather than failing the whole write (a 256-character
# display name into the 200-character fullname). Held equal to the model's by a test.
COLUMN_LENGTHS = {"fullname": 200, "jobtitle": 100, "internalemailaddress": 100}


def synchronised_fields(profile: dict[str, str], *, creating: bool, email_edited: bool = False) -> dict[str, str]:
    """FIELD-01..06: the values sync writes. At creation every mapped column (FIELD-01);
    later every one but fullname (FIELD-03) and an edited primary e-mail (FIELD-04).
    Custom fields are never in the map (FIELD-05); a blank first name is '#' (MODE-06, FIELD-06)."""
    values = {column: (profile.get(column) or "") for column in FIELD_COLUMNS}
    for column, length in COLUMN_LENGTHS.items():
        values[column] = values[column][:length]
    if not values["firstname"].strip():
        values["firstname"] = BLANK_FIRST_NAME
    if not creating:
        values.pop("fullname")
        if email_edited:
            values.pop("internalemailaddress")
    return values


