"""Build the demo tenant file users_app/demo/contoso.json (cli.md "Tenant file").

Deterministic (random.Random(20261128)): running it again writes the same file.
Run from the project root:  python users_app/demo/build_contoso.py

The file carries no password: seed_demo gives the sign-in accounts passwords generated per
install (users_app/demo/seed.py, DEMO_ACCOUNTS names them; var/demo-accounts.txt keeps them).
A holder of each of the eleven admin roles (users_app/choices.py AdminRole) and a new hire who
gets a temporary password (DIR-01) are among them.

The tenant exercises every rule: licences of each kind (DIR-09) within their
seats (DIR-02), every licensed user with a usage location (DIR-10), admins of
each kind with and without licences (DIR-05, MODE-02), guests with home-tenant
and local licences (DIR-07), soft-deleted (DIR-04, DIR-11) and disabled users,
custom attributes (FIELD-05), nested groups and owners (DIR-06, ENV-03), a
Teams group (ENV-07), environments of every type and setting (ENV-01..06),
an on-premises environment (ONPREM) and app registrations (DIR-08, APP).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

SEED = 20261128
DOMAIN = "contoso.onmicrosoft.com"
MAIL_DOMAIN = "contoso.com"
OUT = Path(__file__).resolve().parent / "contoso.json"
GENERATED_USERS = 270

FIRST_NAMES = [
    "Aaron", "Abigail", "Adele", "Ahmed", "Aiko", "Alan", "Alba", "Alex", "Amara", "Ana", "Andrei", "Anika", "Arjun",
    "Ava", "Beatriz", "Ben", "Bianca", "Bruno", "Camila", "Carlos", "Chen", "Chloe", "Chris", "Clara", "Daniel",
    "Diego", "Elena", "Eli", "Emma", "Erik", "Fatima", "Felix", "Fiona", "Gabriel", "Greta", "Hana", "Hannah",
    "Hugo", "Ines", "Isaac", "Ivan", "Jack", "Jamal", "Jana", "Jonas", "Julia", "Kai", "Karim", "Kenji", "Laura",
    "Leo", "Lina", "Lucas", "Maya", "Mei", "Mia", "Mohammed", "Nadia", "Nina", "Noah", "Olivia", "Omar", "Oscar",
    "Paula", "Pedro", "Priya", "Rafael", "Rosa", "Ryan", "Sara", "Sofia", "Tariq", "Theo", "Uma", "Victor",
    "Wei", "Yara", "Yusuf", "Zoe",
]
LAST_NAMES = [
    "Adams", "Alvarez", "Andersen", "Bakker", "Becker", "Bianchi", "Brown", "Chen", "Costa", "Dubois", "Evans",
    "Fischer", "Garcia", "Gomez", "Gupta", "Hansen", "Hoffmann", "Ivanova", "Jansen", "Johnson", "Kaur", "Kim",
    "Kowalski", "Larsen", "Lee", "Lopez", "Martin", "Meyer", "Moreau", "Muller", "Nakamura", "Nguyen", "Novak",
    "Okafor", "Olsen", "Patel", "Perez", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Suzuki",
    "Tanaka", "Taylor", "Thomas", "Wagner", "Walker", "Wang", "Weber", "Williams", "Wilson", "Yamamoto", "Zhang",
]
JOB_TITLES = [
    "Account Manager", "Sales Representative", "Sales Manager", "Customer Service Agent", "Service Manager",
    "Field Technician", "Marketing Specialist", "Business Analyst", "Buyer", "Controller", "Developer",
    "Project Manager", "Operations Lead", "HR Partner", "Support Engineer", "Product Owner",
]
# (city, state, postal prefix, country, usage location, phone prefix, street)
PLACES = [
    ("Seattle", "WA", "981", "United States", "US", "+1 206 555", "Pine Street"),
    ("Redmond", "WA", "980", "United States", "US", "+1 425 555", "Microsoft Way"),
    ("New York", "NY", "100", "United States", "US", "+1 212 555", "Broadway"),
    ("Chicago", "IL", "606", "United States", "US", "+1 312 555", "Wacker Drive"),
    ("Austin", "TX", "787", "United States", "US", "+1 512 555", "Congress Avenue"),
    ("Toronto", "ON", "M5H", "Canada", "CA", "+1 416 555", "King Street West"),
    ("London", "England", "EC1", "United Kingdom", "GB", "+44 20 7946", "Old Street"),
    ("Dublin", "Leinster", "D02", "Ireland", "IE", "+353 1 555", "Grafton Street"),
    ("Paris", "Ile-de-France", "750", "France", "FR", "+33 1 55", "Rue de Rivoli"),
    ("Munich", "Bavaria", "803", "Germany", "DE", "+49 89 555", "Leopoldstrasse"),
    ("Amsterdam", "North Holland", "101", "Netherlands", "NL", "+31 20 555", "Damrak"),
    ("Sydney", "NSW", "200", "Australia", "AU", "+61 2 5550", "George Street"),
]

# A job title's department (Graph `department`), read from the title: no draw from the generator,
# so every other generated value stays the same. The first keyword found wins.
DEPARTMENT_KEYWORDS = (
    ("Marketing", "Marketing"), ("Sales", "Sales"), ("Account", "Sales"), ("Service", "Customer Service"),
    ("Support", "Customer Service"), ("Technician", "Field Service"), ("Buyer", "Purchasing"),
    ("Controller", "Finance"), ("Auditor", "Finance"), ("HR", "Human Resources"), ("Partner", "Partners"),
    ("Licensing", "IT"), ("Administrator", "IT"), ("Engineer", "IT"), ("Developer", "IT"), ("Architect", "IT"),
    ("Security", "IT"), ("Identity", "IT"), ("IT ", "IT"), ("Analyst", "Operations"), ("Project", "Operations"),
    ("Product", "Operations"), ("Operations", "Operations"),
)


def department_of(job_title: str) -> str:
    return next((department for word, department in DEPARTMENT_KEYWORDS if word in job_title), "")


def office_of(local: str, city: str) -> str:
    """An office in the user's city, as building/room (Graph `officeLocation`), from the user name."""
    code = sum(map(ord, local))
    return f"{city} {code % 7 + 1}/{100 + code % 300}"


SKUS = [
    {"sku": "DYN365_SALES", "name": "Dynamics 365 Sales Enterprise", "kind": "dataverse",
     "service_plans": ["DYN365_ENTERPRISE_SALES", "CDS_SALES", "POWERAPPS_DYN_APPS", "FLOW_DYN_APPS"]},
    {"sku": "POWERAPPS_PER_USER", "name": "Power Apps Premium", "kind": "dataverse",
     "service_plans": ["POWERAPPS_PER_USER", "DATAVERSE_POWERAPPS_PER_USER", "FLOW_PER_USER"]},
    {"sku": "ENTERPRISEPACK", "name": "Office 365 E3", "kind": "m365",
     "service_plans": ["EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "TEAMS1", "POWERAPPS_O365_P2",
                       "DATAVERSE_FOR_POWERAUTOMATE_DESKTOP"]},
    {"sku": "O365_APPS", "name": "Microsoft 365 Apps for business", "kind": "office",
     "service_plans": ["OFFICE_BUSINESS", "ONEDRIVESTANDARD"]},
]


def build() -> dict:
    rng = random.Random(SEED)
    users: list[dict] = []
    taken: set[str] = set()

    def person(first: str, last: str, *, local: str | None = None, place=None, job: str | None = None,
               licences=(), usage=True, **extra) -> dict:
        local = local or f"{first}.{last}".lower()
        base, n = local, 2
        while local in taken:
            local, n = f"{base}{n}", n + 1
        taken.add(local)
        city, state, postal, country, usage_location, phone, street = place or rng.choice(PLACES)
        user = {
            "upn": f"{local}@{DOMAIN}",
            "given_name": first, "surname": last, "display_name": f"{first} {last}",
            "mail": f"{local}@{MAIL_DOMAIN}", "job_title": (job_title := job or rng.choice(JOB_TITLES)),
            "department": department_of(job_title), "office": office_of(local, city),
            "office_phone": f"{phone} {rng.randint(1000, 9999)}",
            "mobile_phone": f"{phone} {rng.randint(1000, 9999)}" if rng.random() < 0.6 else "",
            "street": f"{rng.randint(1, 999)} {street}", "city": city, "state": state,
            "postal_code": f"{postal}{rng.randint(10, 99)}", "country": country,
            "usage_location": usage_location if usage else None,
            "licences": list(licences),
        }
        user.update(extra)
        users.append(user)
        return user

    seattle = PLACES[0]
    # --- Sign-in accounts (seed_demo gives them passwords) and admins of each kind (DIR-05, MODE-02) ---
    person("Adele", "Vance", local="admin", place=seattle, job="IT Director",
           licences=["DYN365_SALES", "ENTERPRISEPACK"], admin_roles=["Global Administrator"])
    person("Patti", "Fernandez", local="ppadmin", place=seattle, job="Power Platform Administrator",
           admin_roles=["Power Platform Administrator"])
    person("Diego", "Siciliani", local="d365admin", place=seattle, job="Dynamics 365 Administrator",
           admin_roles=["Dynamics 365 Administrator"])
    person("Megan", "Bowen", local="useradmin", place=seattle, job="Identity Administrator",
           licences=["ENTERPRISEPACK"], admin_roles=["User Administrator"])
    person("Lee", "Gu", local="licadmin", place=seattle, job="Licensing Coordinator",
           licences=["ENTERPRISEPACK"], admin_roles=["License Administrator"])
    person("Alice", "Ng", local="alice", place=seattle, job="Buyer", licences=["DYN365_SALES"],
           custom_attributes={"employeeId": "E-1001", "costCenter": "CC-SALES"})
    # More admins: unlicensed Global, PP admin with only m365, D365 admin with only office, licensed PP admin.
    person("Grady", "Archie", local="grady", place=seattle, job="Security Officer", admin_roles=["Global Administrator"])
    person("Isaiah", "Langer", local="isaiah", job="Platform Engineer", licences=["ENTERPRISEPACK"],
           admin_roles=["Power Platform Administrator"])
    person("Johanna", "Lorenz", local="johanna", job="CRM Administrator", licences=["O365_APPS"],
           admin_roles=["Dynamics 365 Administrator"])
    person("Lynne", "Robbins", local="lynne", job="Solution Architect", licences=["POWERAPPS_PER_USER"],
           admin_roles=["Power Platform Administrator"])
    # The creator of the Developer environment.
    person("Dana", "Birkby", local="dana", job="Developer", licences=["POWERAPPS_PER_USER"])
    # Owners of Sales-Env and of the Marketing Team group.
    person("Nestor", "Wilke", local="nestor", job="Sales Director", licences=["DYN365_SALES"])
    person("Pradeep", "Gupta", local="pradeep", job="Sales Operations Manager", licences=["DYN365_SALES"])
    person("Miriam", "Graham", local="miriam", job="Marketing Director", licences=["ENTERPRISEPACK"])
    person("Joni", "Sherman", local="joni", job="Marketing Manager", licences=["ENTERPRISEPACK", "POWERAPPS_PER_USER"])

    # --- Guests (DIR-07) ---
    guests = []
    for first, last, home, local_licence in [
        ("Kim", "Akers", "fabrikam.com", None), ("Ray", "Tanaka", "northwind.com", None),
        ("Sam", "Okoro", "tailspin.com", "DYN365_SALES"), ("Lena", "Berg", "litware.com", "ENTERPRISEPACK"),
    ]:
        local = f"{first.lower()}.{last.lower()}_{home}#EXT#"
        guest = person(first, last, local=local, job="Partner", usage=bool(local_licence),
                       licences=[local_licence] if local_licence else [], user_type="Guest",
                       home_tenant_licences=["DYN365_SALES", "ENTERPRISEPACK"] if not local_licence else ["O365_APPS"])
        guest["mail"] = f"{first.lower()}.{last.lower()}@{home}"
        guests.append(guest)

    # --- Generated staff ---
    staff = []
    for i in range(GENERATED_USERS):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        roll = rng.random()
        if roll < 0.35:
            licences, usage = ["DYN365_SALES"], True
        elif roll < 0.55:
            licences, usage = ["POWERAPPS_PER_USER"], True
        elif roll < 0.60:
            licences, usage = ["DYN365_SALES", "ENTERPRISEPACK"], True
        elif roll < 0.78:
            licences, usage = ["ENTERPRISEPACK"], True
        elif roll < 0.88:
            licences, usage = ["O365_APPS"], True
        else:
            licences, usage = [], rng.random() < 0.5  # unlicensed; half without usage location
        extra: dict = {}
        if i % 41 == 7:
            extra["enabled"] = False  # sign-in blocked
        if i % 53 == 11:
            extra["deleted"] = "soft"  # restorable (DIR-04), UPN altered (DIR-11), licence kept
        if i % 37 == 5:
            extra["custom_attributes"] = {"employeeId": f"E-{2000 + i}", "badge": f"B{rng.randint(100, 999)}"}
        staff.append(person(first, last, licences=licences, usage=usage, **extra))

    # --- More sign-in accounts: the other admin roles (one holder each) and a new hire whom seed_demo
    # gives a temporary password (DIR-01). Made after the generated staff, so that the random draws of
    # everyone above stay as they were, and listed with the first sign-in accounts.
    signin = [
        person("Allan", "Deyoung", local="reader", place=seattle, job="IT Auditor", licences=["ENTERPRISEPACK"],
               admin_roles=["Global Reader"]),
        person("Christie", "Cline", local="privadmin", place=seattle, job="Identity Governance Lead",
               licences=["ENTERPRISEPACK"], admin_roles=["Privileged Role Administrator"]),
        person("Debra", "Berger", local="helpdesk", place=seattle, job="Service Desk Lead", licences=["ENTERPRISEPACK"],
               admin_roles=["Helpdesk Administrator"]),
        person("Emily", "Braun", local="pwdadmin", place=seattle, job="Service Desk Agent", licences=["ENTERPRISEPACK"],
               admin_roles=["Password Administrator"]),
        person("Enrico", "Cattaneo", local="groupsadmin", place=seattle, job="Collaboration Administrator",
               licences=["ENTERPRISEPACK"], admin_roles=["Groups Administrator"]),
        person("Irvin", "Sayers", local="appadmin", place=seattle, job="Integration Engineer",
               licences=["ENTERPRISEPACK"], admin_roles=["Application Administrator"]),
        person("Henrietta", "Mueller", local="newhire", place=seattle, job="Account Manager", licences=["DYN365_SALES"]),
    ]
    del users[-len(signin):]
    users[6:6] = signin

    # --- Groups (DIR-06, ENV-03, ENV-07) ---
    def live(u):
        return u.get("deleted") is None and u.get("enabled", True)

    dataverse_staff = [u for u in staff if any(s in ("DYN365_SALES", "POWERAPPS_PER_USER") for s in u["licences"])]
    sales_members = [u["upn"] for u in dataverse_staff[:70]]
    # a few outsiders and a disabled / deleted member, so that every ELIG outcome shows
    sales_members += [u["upn"] for u in staff if u["licences"] == ["ENTERPRISEPACK"]][:4]
    sales_members += [u["upn"] for u in staff if not live(u)][:3]
    interns = [u["upn"] for u in dataverse_staff[70:78]]
    marketing_members = [u["upn"] for u in staff if "ENTERPRISEPACK" in u["licences"] and live(u)][:14]
    groups = [
        {"name": "Sales-Env", "type": "security",
         "members": ["alice@" + DOMAIN, "newhire@" + DOMAIN, "nestor@" + DOMAIN, "pradeep@" + DOMAIN, "d365admin@" + DOMAIN,
                     "sam.okoro_tailspin.com#EXT#@" + DOMAIN, *sales_members, "Sales-Interns"],
         "owners": ["nestor@" + DOMAIN, "pradeep@" + DOMAIN]},
        {"name": "Sales-Interns", "type": "security", "members": interns, "owners": ["pradeep@" + DOMAIN]},
        {"name": "Marketing Team", "type": "m365",
         "members": ["joni@" + DOMAIN, *marketing_members, guests[0]["upn"], guests[3]["upn"]],
         "owners": ["miriam@" + DOMAIN, "joni@" + DOMAIN]},
        {"name": "Field Ops Crew", "type": "security",
         "members": [u["upn"] for u in staff if u["job_title"] == "Field Technician"], "owners": []},
        {"name": "All Staff", "type": "security", "members": ["Sales-Env", "Marketing Team", "Field Ops Crew"],
         "owners": ["admin@" + DOMAIN]},
    ]

    # --- Seats: enough for every assignment, with a few to spare (DIR-02) ---
    used = {s["sku"]: 0 for s in SKUS}
    for u in users:
        for sku in u["licences"]:
            used[sku] += 1
    skus = [{**s, "seats": (used[s["sku"]] // 10 + 1) * 10 + 5} for s in SKUS]

    ad_users = [
        {"logon_name": "CONTOSO\\jsmith", "first_name": "John", "last_name": "Smith", "telephone": "+1 425 555 0101",
         "email": "john.smith@contoso.com", "city": "Redmond", "state": "WA", "home_phone": "+1 425 555 0191"},
        {"logon_name": "CONTOSO\\mgarcia", "first_name": "Maria", "last_name": "Garcia", "telephone": "+1 425 555 0102",
         "email": "maria.garcia@contoso.com", "city": "Bellevue", "state": "WA", "home_phone": ""},
        {"logon_name": "CONTOSO\\tnguyen", "first_name": "Tuan", "last_name": "Nguyen", "telephone": "+1 206 555 0103",
         "email": "tuan.nguyen@contoso.com", "city": "Seattle", "state": "WA", "home_phone": "+1 206 555 0193"},
        {"logon_name": "CONTOSO\\hmuller", "first_name": "Hanna", "last_name": "Muller", "telephone": "+49 89 555 0104",
         "email": "hanna.muller@contoso.com", "city": "Munich", "state": "Bavaria", "home_phone": ""},
        {"logon_name": "CONTOSO\\svc-batch", "first_name": "", "last_name": "Batch Service", "telephone": "",
         "email": "", "city": "Redmond", "state": "WA", "home_phone": ""},
    ]

    environments = [
        {"name": "Contoso (default)", "type": "Default"},
        {"name": "Sales", "type": "Production", "security_group": "Sales-Env", "sales_installed": True,
         "region": "unitedstates"},
        {"name": "Service", "type": "Sandbox", "region": "unitedstates"},
        {"name": "Pilot", "type": "Trial", "region": "europe"},
        {"name": "Dev - Dana", "type": "Developer", "created_by": "dana@" + DOMAIN},
        {"name": "Marketing Team", "type": "Teams", "teams_group": "Marketing Team"},
        {"name": "Analytics", "type": "Production", "dataverse": False},
        {"name": "Legacy CRM", "type": "Production", "deployment": "on_premises", "ad_users": ad_users,
         "url": "https://crm.contoso.local/LegacyCRM/"},
        {"name": "Field Ops", "type": "Production", "licence_type": "app_pass", "app_pass_capacity": 5,
         "allow_role_assignment_on_disabled_users": True},
        {"name": "Partners", "type": "Sandbox", "app_user_status_editable": True, "allow_delete_disabled_users": True,
         "do_not_remove_roles_on_change_business_unit": True, "region": "europe"},
    ]
    apps = [
        # Microsoft Graph application permissions granted by admin consent (what their client-credentials
        # tokens may do in the directory); the ERP connector's secret is in the accounts file (seed_demo).
        {"name": "ERP connector", "app_id": "00000000-0000-0000-0000-000000000001",
         "permissions": ["User.ReadWrite.All", "Group.Read.All", "LicenseAssignment.ReadWrite.All"]},
        {"name": "Reporting service", "app_id": "00000000-0000-0000-0000-000000000002",
         "permissions": ["Directory.Read.All"]},
    ]

    for u in users:  # a tidy, stable key order
        if not u.get("licences"):
            u.pop("licences")
    return {
        "tenant": {"name": "Contoso", "domain": DOMAIN, "marketing_licence": True},
        "skus": skus,
        "users": users,
        "groups": groups,
        "apps": apps,
        "environments": environments,
    }


def main() -> None:
    data = build()
    OUT.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(data['users'])} users)")


if __name__ == "__main__":
    main()
