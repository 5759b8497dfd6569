"""A generated tenant file of any size (cli.md, "Tenant file"), deterministic for a seed.

Every user is entitled to the production environment "Contoso Production" (a Dataverse
licence, member of its security group): most hold a Power Apps licence, the rest Dynamics
365 Sales; some also hold Office 365 E3. Names, job titles, departments and cities are
drawn from realistic lists so that a search has something to find. A few users are
directory admins, departments are Microsoft 365 groups with owners, and the first
`pilot_users` users are members of "Pilot", the security group of the small environment
"Contoso Pilot" (the users list at 100 users)."""
from __future__ import annotations

import random

DOMAIN = "contoso.onmicrosoft.com"
PRODUCTION = "Contoso Production"
PILOT = "Contoso Pilot"
ALL_STAFF = "All-Staff"
PILOT_GROUP = "Pilot"
ADMIN_UPN = f"bench.admin@{DOMAIN}"
ADMIN_PASSWORD = "Bench-Pass-2026!"
SEARCH_TERM = "Garcia"  # a surname frequent enough to fill a page at any size (and in every 50 users)

FIRST_NAMES = (
    "Aaliyah", "Aaron", "Abigail", "Adam", "Adrian", "Aisha", "Alan", "Alejandro", "Alex", "Alice", "Amelia", "Amir",
    "Ana", "Andrea", "Andrew", "Angela", "Anna", "Anthony", "Arjun", "Ava", "Benjamin", "Bianca", "Brian", "Camila",
    "Carlos", "Caroline", "Charlotte", "Chen", "Chloe", "Chris", "Daniel", "David", "Diana", "Diego", "Dmitri",
    "Elena", "Elijah", "Elizabeth", "Emily", "Emma", "Ethan", "Fatima", "Felix", "Fiona", "Gabriel", "Grace",
    "Hannah", "Hiroshi", "Ibrahim", "Isabella", "Jack", "James", "Jasmine", "Javier", "Jennifer", "John", "Jorge",
    "Julia", "Kai", "Karen", "Kenji", "Laura", "Layla", "Leo", "Liam", "Lucas", "Lucia", "Maria", "Mark",
    "Mateo", "Mei", "Mia", "Michael", "Mohammed", "Nadia", "Noah", "Olivia", "Omar", "Oscar", "Priya", "Rachel",
    "Rafael", "Raj", "Rosa", "Ryan", "Sakura", "Samuel", "Sara", "Sofia", "Sophie", "Thomas", "Valentina",
    "Victor", "Wei", "William", "Yara", "Yusuf", "Zoe",
)
SURNAMES = (
    "Adams", "Ahmed", "Ali", "Anderson", "Bailey", "Baker", "Brown", "Campbell", "Carter", "Chen", "Clark",
    "Collins", "Cook", "Cooper", "Davis", "Diaz", "Edwards", "Evans", "Fischer", "Garcia", "Gomez", "Gonzalez",
    "Green", "Gupta", "Hall", "Harris", "Hernandez", "Hill", "Ito", "Jackson", "Johnson", "Jones", "Kim",
    "King", "Kowalski", "Kumar", "Lee", "Lewis", "Li", "Lopez", "Martin", "Martinez", "Miller", "Mitchell",
    "Moore", "Morales", "Muller", "Murphy", "Nakamura", "Nelson", "Ng", "Nguyen", "Novak", "Okafor", "Patel",
    "Perez", "Petrov", "Phillips", "Ramirez", "Reyes", "Roberts", "Robinson", "Rodriguez", "Rossi", "Sanchez",
    "Schmidt", "Scott", "Silva", "Singh", "Smith", "Suzuki", "Tanaka", "Taylor", "Thomas", "Thompson",
    "Torres", "Turner", "Walker", "Wang", "White", "Williams", "Wilson", "Wright", "Yamamoto", "Young", "Zhang",
)
JOB_TITLES = (
    "Account Executive", "Account Manager", "Accountant", "Business Analyst", "Buyer", "Customer Service Agent",
    "Data Analyst", "Developer", "Field Technician", "Financial Analyst", "HR Generalist", "IT Support Specialist",
    "Marketing Specialist", "Operations Manager", "Product Manager", "Project Manager", "Recruiter",
    "Sales Manager", "Sales Representative", "Service Engineer", "Solutions Architect", "Support Engineer",
    "Team Lead", "Warehouse Associate",
)
DEPARTMENTS = ("Sales", "Service", "Marketing", "Finance", "Operations", "Engineering", "HR", "IT", "Legal", "Logistics")
CITIES = (
    ("Redmond", "WA", "98052", "United States", "US"), ("Seattle", "WA", "98101", "United States", "US"),
    ("New York", "NY", "10001", "United States", "US"), ("Chicago", "IL", "60601", "United States", "US"),
    ("Austin", "TX", "73301", "United States", "US"), ("London", "", "EC1A 1BB", "United Kingdom", "GB"),
    ("Paris", "", "75001", "France", "FR"), ("Berlin", "", "10115", "Germany", "DE"),
    ("Madrid", "", "28001", "Spain", "ES"), ("Tokyo", "", "100-0001", "Japan", "JP"),
    ("Toronto", "ON", "M5H 2N2", "Canada", "CA"), ("Sydney", "NSW", "2000", "Australia", "AU"),
)
ADMIN_ROLES = ("Power Platform Administrator", "Dynamics 365 Administrator", "User Administrator",
               "License Administrator")


def user_upn(index: int) -> str:
    return f"user{index:06d}@{DOMAIN}"


def generate_tenant(users: int, *, seed: int = 2026, pilot_users: int = 100, admin_password: bool = True) -> dict:
    """A tenant file of `users` users (plus the benchmark's admin), all entitled to PRODUCTION.
    `admin_password=False` leaves the admin's password out (hashing it is no bulk work)."""
    rng = random.Random(seed)
    pilot_users = min(pilot_users, users)
    admin = {
        "upn": ADMIN_UPN, "given_name": "Bench", "surname": "Admin", "display_name": "Bench Admin",
        "mail": "bench.admin@contoso.com", "job_title": "IT Administrator", "usage_location": "US",
        "licences": ["POWERAPPS_PER_USER"], "admin_roles": ["Global Administrator"],
    }
    if admin_password:
        admin["password"] = ADMIN_PASSWORD
    entries = [admin]
    departments: dict[str, list[str]] = {d: [] for d in DEPARTMENTS}
    counts = {"POWERAPPS_PER_USER": 1, "DYN365_SALES": 0, "ENTERPRISEPACK": 0}
    for i in range(users):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        if i % 50 == 7:  # the searched surname in every 50 users, so the 100-user list finds it too
            last = SEARCH_TERM
        city, state, postal, country, location = rng.choice(CITIES)
        department = rng.choice(DEPARTMENTS)
        upn = user_upn(i)
        licences = ["POWERAPPS_PER_USER" if rng.random() < 0.85 else "DYN365_SALES"]
        if rng.random() < 0.2:
            licences.append("ENTERPRISEPACK")
        for sku in licences:
            counts[sku] += 1
        entry = {
            "upn": upn, "given_name": first, "surname": last, "display_name": f"{first} {last}",
            "mail": f"{first.lower()}.{last.lower()}{i}@contoso.com", "job_title": rng.choice(JOB_TITLES),
            "office_phone": f"+1 425 555 {i % 10000:04d}", "mobile_phone": "", "street": f"{1 + i % 999} Main Street",
            "city": city, "state": state, "postal_code": postal, "country": country, "usage_location": location,
            "licences": licences,
        }
        if i % 5000 == 17:
            entry["admin_roles"] = [ADMIN_ROLES[(i // 5000) % len(ADMIN_ROLES)]]
        entries.append(entry)
        departments[department].append(upn)
    groups = [
        {"name": ALL_STAFF, "type": "security", "members": [e["upn"] for e in entries], "owners": [ADMIN_UPN]},
        {"name": PILOT_GROUP, "type": "security", "members": [user_upn(i) for i in range(pilot_users)]},
    ]
    for department, members in departments.items():
        owners = members[:2]
        groups.append({"name": f"Dept-{department}", "type": "m365", "members": members, "owners": owners})
    return {
        "tenant": {"name": "Contoso", "domain": DOMAIN, "marketing_licence": False},
        "skus": [
            {"sku": "POWERAPPS_PER_USER", "name": "Power Apps Premium", "seats": counts["POWERAPPS_PER_USER"] + 100,
             "kind": "dataverse"},
            {"sku": "DYN365_SALES", "name": "Dynamics 365 Sales Enterprise", "seats": counts["DYN365_SALES"] + 100,
             "kind": "dataverse"},
            {"sku": "ENTERPRISEPACK", "name": "Office 365 E3", "seats": counts["ENTERPRISEPACK"] + 100, "kind": "m365"},
        ],
        "users": entries,
        "groups": groups,
        "apps": [],
        "environments": [
            {"name": PRODUCTION, "type": "Production", "security_group": ALL_STAFF},
            {"name": PILOT, "type": "Sandbox", "security_group": PILOT_GROUP},
            {"name": "Contoso Analytics", "type": "Production", "dataverse": False},
        ],
    }
