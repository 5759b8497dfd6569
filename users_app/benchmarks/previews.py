"""Impact previews at scale: a preview against the real change and the sync it predicts.

Three changes, each made through the service a screen calls: (a) one user's Dataverse licence
removed (directory.licence_remove), (b) 1,000 users' removed (bulk_actions.licence_change_many,
the Active users list's bulk action), (c) the N-user environment pointed at another security
group (environments.environment_update). For each, from a synced state (a background sync runs
first, untimed, so that the preview is incremental as in real life):
- preview_*: services.previews.preview(change), the change and the incremental background sync
  of every environment, rolled back (so the state is the same afterwards);
- real_*: the same change, committed, then `directory_sync(full=False)` as the scheduler runs it.
Each preview must be within 1.5x of its real run. The preview's counts and changes must equal the
real run's (a difference is a note in the report). After (a) and (b) the change is undone and
synced again (untimed); (c) comes last and stays.

`preview_one_100` is (a) in a tenant of 100 users (a scratch database of its own, `small_measure`);
`preview_one_scale` is (a) at N users again, against it: within 2x (the cost of a preview grows with
the change, not with the tenant). (a) at either size is the least of `repeat` runs (one untimed
first), the real one too (each undone and synced again): on a shared machine the run least
disturbed by other work is the one that says what the code costs (timeit's rule); (b) and (c),
seconds long, run once.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from environments_app.models import Environment
from users_app.models import DirectoryGroup, DirectoryUser, LicenceAssignment, Sku
from users_app.provisioning.sync import directory_sync
from users_app.services import bulk_actions, directory, environments, previews
from users_app.tenant_file import load_tenant_file

from .tenant import PILOT_GROUP, PRODUCTION, generate_tenant

SKU = "POWERAPPS_PER_USER"  # the Dataverse licence most users hold: removing it disables the record
MANY = 1_000
SMALL_USERS = 100


def _synced() -> list:
    """The background sync of every environment, as the scheduler runs it (untimed)."""
    runs = directory_sync(full=False, initiated_by="bench")
    failed = [run.environment.name for run in runs if run.status != "succeeded"]
    if failed:
        raise RuntimeError(f"the sync of {', '.join(failed)} failed")
    return runs


def _summary(runs_or_impact) -> dict:
    """Per environment: the counts and the users changed, of a preview or of the real runs."""
    if isinstance(runs_or_impact, previews.Impact):
        return {e.name: (e.counts, [(c["user"], c["outcome"]) for c in e.changes]) for e in runs_or_impact.environments}
    out = {}
    for run in runs_or_impact:
        impact = previews._impact_of(run)
        out[impact.name] = (impact.counts, [(c["user"], c["outcome"]) for c in impact.changes])
    return out


def _clock(fn: Callable) -> tuple[float, float, object]:
    cpu, start = time.process_time(), time.perf_counter()
    result = fn()
    return time.perf_counter() - start, time.process_time() - cpu, result


def _preview(change: Callable) -> tuple[float, float, previews.Impact]:
    return _clock(lambda: previews.preview(change))


def _real(change: Callable) -> tuple[float, float, list]:
    def run():
        change()
        return directory_sync(full=False, initiated_by="bench")
    return _clock(run)


class _Measure:
    """Collects seconds, CPU seconds, counts and notes of the preview figures."""

    def __init__(self, progress: Callable[[str], None]):
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.counts: dict[str, dict] = {}
        self.notes: list[str] = []
        self.progress = progress

    def compare(self, name: str, impact, runs) -> None:
        predicted, done = _summary(impact), _summary(runs)
        changed = {env: counts for env, (counts, _users) in done.items() if any(
            counts.get(k, 0) for k in previews.CHANGE_OUTCOMES)}
        self.counts[name] = changed or {env: counts for env, (counts, _users) in done.items()}
        if predicted != done:
            differ = sorted(env for env in set(predicted) | set(done) if predicted.get(env) != done.get(env))
            self.notes.append(f"{name}: the preview differs from the real run in {', '.join(differ)}")

    def once(self, name: str, change: Callable, undo: Callable | None) -> None:
        """From a synced state: the preview, then the real change and sync; undo and sync again."""
        _synced()
        self.seconds[f"preview_{name}"], self.cpu[f"preview_{name}"], impact = _preview(change)
        self.seconds[f"real_{name}"], self.cpu[f"real_{name}"], runs = _real(change)
        self.compare(name, impact, runs)
        if undo is not None:
            undo()
            _synced()
        self.progress(f"preview_{name}: {self.seconds[f'preview_{name}']:.3f} s, real_{name}: "
                      f"{self.seconds[f'real_{name}']:.3f} s")

    def least(self, name: str, change: Callable, undo: Callable, repeat: int, *, real: bool = True) -> None:
        """(a): the least of `repeat` previews (one untimed first), and of `repeat` real runs."""
        _synced()
        previews.preview(change)  # warm
        timed = [_preview(change) for _ in range(repeat)]
        self.seconds[f"preview_{name}"] = min(t[0] for t in timed)
        self.cpu[f"preview_{name}"] = min(t[1] for t in timed)
        if not real:
            return
        reals = []
        for _ in range(repeat):
            reals.append(_real(change))
            undo()
            _synced()
        self.seconds[f"real_{name}"] = min(t[0] for t in reals)
        self.cpu[f"real_{name}"] = min(t[1] for t in reals)
        self.compare(name, timed[-1][2], reals[-1][2])
        self.progress(f"preview_{name}: {self.seconds[f'preview_{name}']:.4f} s, real_{name}: "
                      f"{self.seconds[f'real_{name}']:.4f} s (least of {repeat})")


def _holders(sku: Sku, count: int) -> list[int]:
    """`count` users holding `sku`, spread over the directory (no admin: a plain user's licence)."""
    ids = list(LicenceAssignment.objects.filter(sku=sku, user__admin_roles__isnull=True, user__deleted_state="")
               .order_by("user__user_principal_name").values_list("user_id", flat=True))
    step = max(1, len(ids) // count)
    return ids[::step][:count]


def _one_licence(sku: Sku) -> tuple[Callable, Callable]:
    user_id = _holders(sku, 1)[0]

    def remove():
        directory.licence_remove(user=DirectoryUser.objects.get(pk=user_id), sku=sku)

    def restore():
        directory.licence_assign(user=DirectoryUser.objects.get(pk=user_id), sku=sku)
    return remove, restore


def previews_measure(*, repeat: int = 7, many: int = MANY, progress: Callable[[str], None] = lambda line: None) -> _Measure:
    """(a), (b) and (c) in the loaded, synced tenant (run.py's scratch database)."""
    measure = _Measure(progress)
    sku = Sku.objects.get(sku_part_number=SKU)

    remove, restore = _one_licence(sku)
    measure.least("one", remove, restore, repeat)

    ids = _holders(sku, many)

    def users():
        return DirectoryUser.objects.filter(pk__in=ids).prefetch_related("licence_assignments").order_by("pk")

    measure.once("1000",
                 lambda: bulk_actions.licence_change_many(users=users(), sku=sku, add=False),
                 lambda: bulk_actions.licence_change_many(users=users(), sku=sku, add=True))
    measure.counts.setdefault("sizes", {})["many"] = len(ids)

    other = DirectoryGroup.objects.get(name=PILOT_GROUP)
    measure.once("group", lambda: environments.environment_update(
        environment=Environment.objects.get(name=PRODUCTION), security_group=other), None)
    return measure


def small_measure(directory_path: Path, *, repeat: int = 7, progress: Callable[[str], None] = lambda line: None) -> _Measure:
    """(a) in a tenant of SMALL_USERS users, loaded and synced here (call it in a scratch database)."""
    path = directory_path / "tenant-small.json"
    path.write_text(json.dumps(generate_tenant(SMALL_USERS, admin_password=False)))
    load_tenant_file(path)
    directory_sync(full=True, initiated_by="bench")
    measure = _Measure(progress)
    remove, restore = _one_licence(Sku.objects.get(sku_part_number=SKU))
    measure.least("one", remove, restore, repeat, real=False)
    measure.seconds = {"preview_one_100": measure.seconds["preview_one"]}
    measure.cpu = {"preview_one_100": measure.cpu["preview_one"]}
    progress(f"preview_one_100: {measure.seconds['preview_one_100']:.4f} s ({SMALL_USERS} users)")
    return measure
