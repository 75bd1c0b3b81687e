"""Workflow diagrams on the site: the rules of each workflow (SVG and BPMN 2.0 for
modelers) for every logged-in user, and the diagram of one case with its path, under
the same object checks as the case page (404 for a case the user may not see): each
domain routes its cases' diagrams to case_svg after its own check."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from reserve_flow.core.web import db, runtime
from reserve_flow.core.web.access import login_required
from reserve_flow.core.workflow.bpmn import export_bpmn
from reserve_flow.core.workflow.definition import WorkflowDef
from reserve_flow.core.workflow.diagram import case_graph, render, workflow_graph
from reserve_flow.core.workflow.subjects import WorkflowSubject

bp = Blueprint("diagrams", __name__)


SVG = "image/svg+xml"


def _definition(name: str) -> WorkflowDef:
    definition = runtime().workflows.definitions.get(name)
    if definition is None:
        abort(404)
    return definition


def _svg(content: bytes) -> Response:
    response = Response(content, mimetype=SVG)
    # A case's picture changes with its state: always revalidate, never share.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def case_svg(subject: WorkflowSubject) -> Response:
    """The picture of one case with its path; the caller has checked the viewer may see it."""
    definition = runtime().workflows.definition_for(subject)
    return _svg(render(case_graph(db(), definition, subject), "svg"))


@bp.route("/workflows")
@login_required
def index():
    definitions = sorted(runtime().workflows.definitions.values(), key=lambda d: d.label("ru"))
    return render_template("core/workflows/index.html", definitions=definitions)


@bp.route("/workflows/<name>.svg")
@login_required
def workflow_svg(name: str):
    return _svg(render(workflow_graph(_definition(name)), "svg"))


@bp.route("/workflows/<name>.bpmn")
@login_required
def workflow_bpmn(name: str):
    definition = _definition(name)
    response = Response(export_bpmn(definition), mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{definition.name}.bpmn"'
    return response
