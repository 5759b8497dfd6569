"""The rules: one home for every rule ID and every refusal.

One module per family:
- access: ELIG (who gets in, in DIAG-01 order) and MODE (access mode, user type);
- fields: FIELD (which columns follow the directory);
- records: ROLE, APP, LIFE, STUB (what an admin may do to a SystemUser record);
- environment: ENV and ONPREM (what an environment's kind allows, default roles);
- directory: DIR (licences, usage location, groups); admin_roles: DIR-05 (what each Entra
  admin role may do, and to whom);
- sync: SYNC (what a sync may write);
- text: what text may be stored (a field's refusal, not a rule);
- ids: every rule ID; catalogue: what each one decides, for the rules reference.

Checks are pure: plain values or snapshots in, a CheckResult or a RuleViolation out, no database.
Nothing outside this package builds a RuleViolation (tests/test_layout.py holds it): services,
the tenant file, commands and views refuse through a check here, or raise InvalidInput for a
malformed field. Every public name of the family modules is re-exported here, so callers write
`rules.check_licence_seats(...)` and `rules.DIR_02`.
"""
from .violation import *  # noqa: F401,F403
from .ids import *  # noqa: F401,F403
from .access import *  # noqa: F401,F403
from .fields import *  # noqa: F401,F403
from .records import *  # noqa: F401,F403
from .environment import *  # noqa: F401,F403
from .directory import *  # noqa: F401,F403
from .sync import *  # noqa: F401,F403
from . import admin_roles, text  # noqa: F401
