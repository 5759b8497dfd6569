"""The APIs' bench (users_app/benchmarks/apis.py) at a tiny size: it walks Graph's users list and
an environment's systemusers through the real views to the last page, every row once, and reports
the first, middle and last pages against the 100-user list's first page. Its figures are measured,
never asserted: only that they are real (positive) and what was walked."""
import pytest

from environments_app.models import Environment
from users_app.benchmarks import apis
from users_app.benchmarks.run import RATIOS, report
from users_app.benchmarks.tenant import PILOT, PRODUCTION, generate_tenant
from users_app.models import SystemUser
from users_app.provisioning.sync import environment_sync
from users_app.tenant_file import load_tenant

pytestmark = pytest.mark.django_db
NAMES = ["graph_first_page", "graph_middle_page", "graph_last_page", "graph_first_per_1000", "graph_middle_per_1000",
         "graph_last_per_1000", "dataverse_first_page", "dataverse_middle_page", "dataverse_last_page",
         "dataverse_first_per_1000", "dataverse_middle_per_1000", "dataverse_last_per_1000",
         "dataverse_first_page_100", "dataverse_100_per_1000", "graph_first_page_100", "graph_100_per_1000"]


def test_the_api_pages_bench_walks_every_page_at_a_tiny_size():
    load_tenant(generate_tenant(40, pilot_users=10, admin_password=False))
    production, pilot = Environment.objects.get(name=PRODUCTION), Environment.objects.get(name=PILOT)
    environment_sync(environment=production, full=True, initiated_by="test")
    environment_sync(environment=pilot, full=True, initiated_by="test")
    lines = []
    graph_100 = apis.graph_measure(size=999, repeat=1, which=("first",))  # here: the same directory
    assert graph_100.as_dict() == {"pages": 1, "rows": 41, "timed_rows": {"first": 41}}
    seconds, counts = apis.api_pages_measure(production, pilot, graph_100=graph_100, graph_size=7,
                                             dataverse_size=9, repeat=1, progress=lines.append)
    assert sorted(seconds) == sorted(NAMES)
    assert all(value > 0 for value in seconds.values())
    # 41 directory users (the admin with them) in pages of 7; Production's records (and the bench's
    # application user) in pages of 9, and Pilot's.
    assert counts["graph"] == {"pages": 6, "rows": 41, "timed_rows": {"first": 7, "middle": 7, "last": 6}}
    rows = SystemUser.objects.filter(environment=production).count()
    assert counts["dataverse"]["pages"] == -(-rows // 9) and counts["dataverse"]["rows"] == rows
    small = SystemUser.objects.filter(environment=pilot).count()
    assert counts["dataverse_100"]["pages"] == -(-small // 9) and counts["dataverse_100"]["rows"] == small
    assert len(lines) == 2 and "41 rows in 6 pages of 7" in lines[0]
    # A page of fewer rows than the baseline's counts as one of the baseline's size (here 41 rows).
    assert seconds["graph_last_per_1000"] == pytest.approx(seconds["graph_last_page"] / 41 * 1000)
    assert seconds["graph_100_per_1000"] == pytest.approx(seconds["graph_first_page_100"] / 41 * 1000)

    figures = report(40, "SQLite", seconds, {}, [])["figures"]
    for name in NAMES:
        assert figures[name]["ratio"] > 0 and figures[name]["target"] == RATIOS[name][1]
    assert figures["graph_last_per_1000"]["ratio_of"] == "graph_100_per_1000"
    assert figures["dataverse_middle_page"]["ratio_of"] == "dataverse_first_page_100"
    assert figures["dataverse_last_per_1000"]["target"] == 2.0 and figures["graph_first_page"]["target"] is None
