"""Shared test set-up. Data is built through the real services (load_tenant and
friends), never by faking the directory; only pure rule tests use hand-built snapshots."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "portal", deadline=None, max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "60")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("portal")
