"""`manage.py bench`: it runs end to end on the configured engine in a
scratch database of its own and reports every figure with its ratio and target. Its
figures are measured, never asserted: the test checks the report's shape and that the
measurements are real (positive), not how fast they are."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ("load", "floor", "full_sync", "search_index", "no_change_sync", "changes_sync")
LIST_FIGURES = ("list_first_page", "list_search", "list_deep_page", "list_first_page_100",
                "active_first_page", "active_search", "active_deep_page",
                "picker_directory", "picker_addable", "picker_users", "picker_users_100")
TARGETS = {"full_sync": 3.0, "no_change_sync": 0.02, "changes_sync": 0.05, "list_first_page": 2.0,
           "list_search": 2.0, "list_deep_page": 2.0, "active_first_page": 2.0, "active_search": 2.0,
           "active_deep_page": 2.0, "picker_directory": 2.0, "picker_addable": 2.0, "picker_users": 2.0}


@pytest.mark.slow
def test_bench_300_users_json(tmp_path):
    """Its own process, as scripts run it: DATABASE_URL honoured (SQLite by default, PostgreSQL
    in CI), one JSON document on stdout, exit 0 whatever the targets, the scratch database gone."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test", "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "manage.py", "bench", "--users", "300", "--format", "json"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["users"] == 300 and report["engine"].split()[0] in ("SQLite", "PostgreSQL")
    figures = report["figures"]
    expected = FIGURES + (LIST_FIGURES if "list_first_page" in figures else ())
    assert set(figures) == set(expected)
    for name, figure in figures.items():
        assert set(figure) == {"seconds", "ratio", "ratio_of", "target", "met"}
        assert figure["seconds"] > 0 and figure["ratio"] > 0, name
        assert figure["target"] == TARGETS.get(name)
        assert figure["met"] is (None if figure["target"] is None else figure["ratio"] <= figure["target"])
    assert figures["full_sync"]["ratio_of"] == "floor" and figures["changes_sync"]["ratio_of"] == "full_sync"
    assert report["missed"] == [n for n, f in figures.items() if f["met"] is False]
    # The runs did what they are named for: 301 users (with the admin) added, then nothing, then 300 updated.
    counts = report["counts"]
    assert counts["load"]["created"] == 301 and counts["floor_rows"] == 301
    assert counts["full_sync"]["added"] == 301
    assert counts["no_change_sync"]["added"] == counts["no_change_sync"]["updated"] == 0
    assert counts["changes_sync"]["updated"] == counts["changes_sync"]["directory_changes"] == 300
    assert set(report["cpu_seconds"]) == {"load", "full_sync", "search_index", "no_change_sync", "changes_sync"}
    assert report["cpu_seconds"]["load"] > 0 and len(report["load_average"]) == 2
    assert not list(tmp_path.glob("portal-bench-*"))  # the scratch database and the file are gone


def test_bench_table_names_missed_targets():
    """The readable table says which targets are missed (the command never fails on them)."""
    from users_app.benchmarks.run import report
    from users_app.management.commands.bench import Command

    text = Command().as_text(report(10, "SQLite 3", {"floor": 1.0, "full_sync": 4.0, "no_change_sync": 0.01,
                                                     "changes_sync": 0.1, "load": 2.0}, {}, []))
    assert "MISSED targets: full_sync (4.000 > 3)" in text.splitlines()
    lines = {line.split()[0]: line for line in text.splitlines() if line and line.split()[0] in FIGURES}
    assert lines["full_sync"].endswith("NO") and lines["no_change_sync"].endswith("yes")
