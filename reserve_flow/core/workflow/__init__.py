"""Workflow definitions, the engine that fires transitions, the audit chain and deadlines."""

from reserve_flow.core.workflow.engine import Engine
from reserve_flow.core.workflow.errors import (
    ConcurrentChange,
    DefinitionError,
    TransitionDenied,
    WorkflowError,
)
from reserve_flow.core.workflow.registry import Workflows

__all__ = ["ConcurrentChange", "DefinitionError", "Engine", "TransitionDenied", "WorkflowError", "Workflows"]
