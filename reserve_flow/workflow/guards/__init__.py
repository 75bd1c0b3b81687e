"""Named guard conditions that workflow files refer to, one module per area.

Importing this package registers every guard; the definition loader checks
workflow files against GUARDS.
"""

from reserve_flow.workflow.guards.registry import GUARDS, GuardContext, guard
# Importing the modules registers their guards.
from reserve_flow.workflow.guards import appointments, applications, commission, contests, reserve  # noqa: F401

__all__ = ["GUARDS", "GuardContext", "guard"]
