"""Named guard conditions that workflow files refer to, one module per area.

Importing this package registers every guard; the definition loader checks
workflow files against GUARDS.
"""

from reserve_flow.workflow.guards.registry import GUARDS, GuardContext, guard
from reserve_flow.workflow.guards import applications, commission, contests  # noqa: F401  (register their guards)

__all__ = ["GUARDS", "GuardContext", "guard"]
