"""bench [--users N] [--format json] [--keep]: every figure in one run (users_app.benchmarks).

Builds a scratch database of the configured engine (DATABASE_URL), loads a generated tenant
of N users, and measures the floor, the first full sync, a sync with no change, a sync after
1,000 job-title changes, the load itself, the users list at N users against 100 users, and
impact previews against the real change and sync (one licence removed, 1,000, an environment
pointed at another security group) and against the same preview at 100 users, and the APIs' lists
(Graph's users at $top=999, Dataverse's systemusers at odata.maxpagesize=5000: the first, a middle
and the last page against the first page at 100 users; users_app/benchmarks/apis.py).
Prints a table (or one JSON object) of seconds, ratios and targets. It measures, it does not
assert: a missed target is printed as missed, and the exit code stays 0."""
from users_app.benchmarks.run import bench_run
from users_app.management.base import PortalCommand


class Command(PortalCommand):
    help = "Measure load, floor, syncs, users lists, impact previews and the APIs' pages at N users in a scratch database; print seconds, ratios, targets."
    atomic = False  # a scratch database of its own; the syncs manage their transactions

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=100_000, help="users in the generated tenant (default 100000)")
        parser.add_argument("--keep", action="store_true", help="keep the scratch database (its name is printed)")

    def run(self, *args, **options):
        users = options["users"]
        if users < 1:
            from users_app.provisioning.rules import InvalidInput

            raise InvalidInput("users", "--users must be 1 or more.")
        verbose = options.get("verbosity", 1) >= 1

        def progress(line: str) -> None:
            if verbose:
                self.stderr.write(f"bench: {line}")
                self.stderr.flush()

        return bench_run(users, keep=options["keep"], progress=progress)

    def as_text(self, report) -> str:
        lines = [f"bench: {report['users']:,} users on {report['engine']} ({report['machine']})", ""]
        header = f"{'figure':<22} {'seconds':>10} {'ratio':>9}  {'of':<20} {'target':>7}  met"
        lines += [header, "-" * len(header)]
        for name, f in report["figures"].items():
            ratio = "-" if f["ratio"] is None else f"{f['ratio']:.4f}"
            target = "-" if f["target"] is None else f"<= {f['target']:g}"
            met = "-" if f["met"] is None else ("yes" if f["met"] else "NO")
            of = "" if f["ratio_of"] == name else f["ratio_of"]
            lines.append(f"{name:<22} {f['seconds']:>10.4f} {ratio:>9}  {of:<20} {target:>7}  {met}")
        lines.append("")
        if report["missed"]:
            missed = ", ".join(f"{n} ({report['figures'][n]['ratio']:.3f} > {report['figures'][n]['target']:g})"
                               for n in report["missed"])
            lines.append(f"MISSED targets: {missed}")
        else:
            lines.append("every target met" if any(f["target"] for f in report["figures"].values()) else "no target measured")
        if report.get("cpu_seconds"):
            cpu = ", ".join(f"{name} {value:.2f}" for name, value in report["cpu_seconds"].items())
            lines.append(f"CPU seconds of this process: {cpu}")
        if report.get("load_average"):
            before, after = report["load_average"]
            lines.append(f"load average (1 min) before / after: {before:.2f} / {after:.2f}")
        lines += [f"note: {n}" for n in report["notes"]]
        return "\n".join(lines)
