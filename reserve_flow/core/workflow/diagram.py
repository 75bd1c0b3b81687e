"""Workflow diagrams: a graph drawn from a WorkflowDef, and the same graph with one
case's path on it, laid out in layers by grandalf (pure Python: the Sugiyama method
that Graphviz's `dot` uses) and drawn here as SVG. No system program is needed; the
DOT text of the graph (`Diagram.source`) is still there for `workflows export
--format dot`, for whoever has Graphviz.

Why not transitions.extensions.diagrams (GraphMachine): it draws a *model attached to
a machine* — graphs are kept per model in `machine.model_graphs`, rebuilt on every
`add_model` and restyled inside every transition. Our machines are shared and bind
no rows (registry.Carrier); drawing a case through GraphMachine would mean attaching
a model to a graph-enabled shared machine (a new graph built for each carrier the
engine attaches, on every fire) or a machine per case, which DESIGN rules out. It
also only marks the current state and the last transition, not the whole path, and
knows nothing of roles, deadlines or terminal states, so its node and edge styling
would have to be replaced anyway. Drawing from the definition (the rule book) and
the audit chain (the path) needs neither a machine nor a model.

The layout (`layered_layout`) is shared with the BPMN export: states in layers along
the flow, each edge label a node of its own in the layer between its two ends (so
labels take room and never pile up), edges that go back against the flow turned round
for the layering and drawn back up, self-loops on the side of their state.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from grandalf.graphs import Edge, Vertex, graph_core
from grandalf.layouts import SugiyamaLayout
from sqlalchemy import select
from sqlalchemy.orm import Session

from reserve_flow.core.audit.models import AuditEvent
from reserve_flow.core.workflow import labels
from reserve_flow.core.workflow.definition import TransitionDef, WorkflowDef

FONT = "Arial"
FONT_FAMILY = "Arial, Helvetica, 'Liberation Sans', 'DejaVu Sans', sans-serif"
START = "__start__"
# Colours of the site (templates/base.html): ink, muted, accent; amber for "now".
INK, MUTED, ACCENT = "#1d2733", "#5b6776", "#1f5fa8"
CURRENT_FILL, CURRENT_LINE, VISITED_FILL = "#ffe08a", "#b26a00", "#dbe8f7"
SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class CasePath:
    """Where one case is and how it got there, from its audit chain."""

    current: str
    states: frozenset[str]  # every state the case has been in, the current one included
    steps: frozenset[tuple[str, str, str]]  # (source, trigger, destination) of each transition fired


def case_path(session: Session, definition: WorkflowDef, subject: Any) -> CasePath:
    """The subject's path: the initial state, then the transitions of its audit history."""
    rows = session.execute(
        select(AuditEvent.from_state, AuditEvent.trigger, AuditEvent.to_state)
        .where(
            AuditEvent.subject_type == definition.subject,
            AuditEvent.subject_id == subject.id,
            AuditEvent.kind == "transition",
        )
        .order_by(AuditEvent.seq)
    ).all()
    states = {definition.initial, subject.state}
    steps = set()
    for source, trigger, dest in rows:
        states.update(s for s in (source, dest) if s)
        steps.add((source or "", trigger or "", dest or ""))
    return CasePath(current=subject.state, states=frozenset(states), steps=frozenset(steps))


# --- the graph ----------------------------------------------------------------


@dataclass(frozen=True)
class DiagramNode:
    name: str
    element_id: str
    label: str
    note: str = ""  # a second line: the deadline
    tooltip: str = ""
    classes: tuple[str, ...] = ("state",)
    terminal: bool = False


@dataclass(frozen=True)
class DiagramEdge:
    source: str
    dest: str
    element_id: str
    label: str = ""
    roles: str = ""
    tooltip: str = ""
    classes: tuple[str, ...] = ("transition",)


@dataclass(frozen=True)
class Diagram:
    """What the picture shows, as plain (hashable) data: the drawing is cached by it."""

    name: str
    label: str
    initial: str
    states: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]
    case_note: DiagramNode | None = None  # the deadline over the whole case
    highlighted: bool = False  # a case's diagram: the way in from the start is taken

    @property
    def source(self) -> str:
        """The graph as Graphviz DOT text (with the same look), for those who have `dot`."""
        return _dot_source(self)


def _edges(definition: WorkflowDef) -> list[tuple[str, str, TransitionDef]]:
    """(source, destination, transition) for every way out of every state; "=" stays put."""
    return [(source, source if t.dest == "=" else t.dest, t) for t in definition.transitions for source in t.sources]


def _expiry(definition: WorkflowDef) -> set[tuple[str, str]]:
    """(state, trigger) of the transitions a deadline fires when it passes: a state's
    own, and the whole case's from each state it runs through."""
    steps = {
        (name, s.deadline.on_expiry) for name, s in definition.states.items() if s.deadline and s.deadline.on_expiry
    }
    case_deadline = definition.deadline
    if case_deadline and case_deadline.on_expiry:
        steps |= {(name, case_deadline.on_expiry) for name, s in definition.states.items() if not s.terminal}
    return steps


def workflow_graph(
    definition: WorkflowDef, *, case: CasePath | None = None, params: labels.ParamLookup | None = None
) -> Diagram:
    """The workflow as a directed graph: states (terminal ones double-bordered, a clock
    note on those with a deadline), transitions labelled with the action and the roles
    (dashed when a deadline fires them). With `case`, its current state and path are
    highlighted; `params` resolves deadline lengths taken from the subject."""
    states = []
    for name, state in definition.states.items():
        note, tooltip = "", state.label("ru")
        if state.deadline:
            note = labels.deadline_short(state.deadline, params)
            expiry = definition.transition(state.deadline.on_expiry or "", name)
            tooltip += ". " + labels.deadline_long(state.deadline, expiry, definition.name)
        classes = ["state"]
        if case and name == case.current:
            classes.append("current")
        elif case and name in case.states:
            classes.append("visited")
        states.append(
            DiagramNode(name, f"state-{name}", state.label("ru"), note, tooltip, tuple(classes), state.terminal)
        )

    case_note = None
    if definition.deadline:
        # A deadline over the whole case (the reserve term, a vacancy's planned date)
        # belongs to no state: a note beside the graph says it.
        expiry = next((t for t in definition.transitions if t.trigger == definition.deadline.on_expiry), None)
        case_note = DiagramNode(
            "case_deadline",
            "case-deadline",
            "Срок всего дела",
            labels.deadline_short(definition.deadline, params),
            labels.deadline_long(definition.deadline, expiry, definition.name),
            ("note",),
        )

    expiry_steps = _expiry(definition)
    edges = []
    for source, dest, t in _edges(definition):
        classes = ["transition"]
        if (source, t.trigger) in expiry_steps:
            classes.append("expiry")
        if case and (source, t.trigger, dest) in case.steps:
            classes.append("taken")
        edges.append(
            DiagramEdge(
                source,
                dest,
                f"t-{source}-{t.trigger}",
                t.label("ru"),
                labels.roles_short(t, definition.name),
                labels.transition_doc(t, definition.name),
                tuple(classes),
            )
        )
    return Diagram(
        definition.name,
        definition.label("ru"),
        definition.initial,
        tuple(states),
        tuple(edges),
        case_note,
        highlighted=case is not None,
    )


def case_graph(session: Session, definition: WorkflowDef, subject: Any) -> Diagram:
    """The workflow with this subject's path highlighted and its deadline lengths filled in."""
    return workflow_graph(definition, case=case_path(session, definition, subject), params=subject.workflow_param)


def render(graph: Diagram, fmt: str = "svg") -> bytes:
    """The diagram as an SVG document (UTF-8 bytes); "dot" gives its DOT text."""
    if fmt == "svg":
        return _svg(graph)
    if fmt == "dot":
        return graph.source.encode("utf-8")
    raise ValueError(f"unknown diagram format {fmt!r} (svg or dot)")


# --- DOT text -------------------------------------------------------------------

_DOT_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


def _dot_id(text: str) -> str:
    if text.isidentifier() and text.isascii() and text.lower() not in _DOT_KEYWORDS:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot_attrs(attrs: dict[str, str]) -> str:
    return " ".join(f"{key}={_dot_id(value)}" for key, value in attrs.items())


def _dot_source(d: Diagram) -> str:
    lines = [
        f"digraph {_dot_id(d.name)} {{",
        "\tgraph ["
        + _dot_attrs(
            {
                "rankdir": "TB",
                "label": d.label,
                "labelloc": "t",
                "fontname": FONT,
                "fontsize": "16",
                "nodesep": "0.5",
                "ranksep": "0.6",
                "bgcolor": "white",
            }
        )
        + "]",
        "\tnode ["
        + _dot_attrs(
            {
                "shape": "box",
                "style": "rounded,filled",
                "fillcolor": "white",
                "color": MUTED,
                "fontname": FONT,
                "fontsize": "12",
                "fontcolor": INK,
                "margin": "0.15,0.08",
            }
        )
        + "]",
        "\tedge ["
        + _dot_attrs({"fontname": FONT, "fontsize": "10", "color": MUTED, "fontcolor": MUTED, "arrowsize": "0.7"})
        + "]",
        f"\t{START} ["
        + _dot_attrs(
            {
                "label": "",
                "shape": "circle",
                "style": "filled",
                "fillcolor": INK,
                "color": INK,
                "width": "0.22",
                "fixedsize": "true",
                "id": "start",
                "tooltip": "Начало",
            }
        )
        + "]",
    ]
    start_style = {"color": ACCENT, "penwidth": "2"} if d.highlighted else {}
    lines.append(f"\t{START} -> {_dot_id(d.initial)}" + (f" [{_dot_attrs(start_style)}]" if start_style else ""))
    for node in d.states:
        attrs = {
            "label": node.label + ("\n" + node.note if node.note else ""),
            "id": node.element_id,
            "tooltip": node.tooltip,
        }
        if node.terminal:
            attrs["peripheries"] = "2"
        if "current" in node.classes:
            attrs.update(fillcolor=CURRENT_FILL, color=CURRENT_LINE, penwidth="2.5", fontname=f"{FONT} Bold")
        elif "visited" in node.classes:
            attrs.update(fillcolor=VISITED_FILL, color=ACCENT, penwidth="1.5")
        attrs["class"] = " ".join(node.classes)
        lines.append(f"\t{_dot_id(node.name)} [{_dot_attrs(attrs)}]")
    if d.case_note:
        note = d.case_note
        lines.append(
            f"\t{_dot_id(note.name)} ["
            + _dot_attrs(
                {
                    "id": note.element_id,
                    "shape": "note",
                    "style": "filled",
                    "fillcolor": "white",
                    "label": f"{note.label}\n{note.note}",
                    "tooltip": note.tooltip,
                }
            )
            + "]"
        )
    for edge in d.edges:
        attrs = {"id": edge.element_id, "tooltip": edge.tooltip, "label": f"{edge.label}\n[{edge.roles}]"}
        if "expiry" in edge.classes:
            attrs["style"] = "dashed"
        if "taken" in edge.classes:
            attrs.update(color=ACCENT, fontcolor=ACCENT, penwidth="2.2")
        attrs["class"] = " ".join(edge.classes)
        lines.append(f"\t{_dot_id(edge.source)} -> {_dot_id(edge.dest)} [{_dot_attrs(attrs)}]")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- text sizes -------------------------------------------------------------------

# Advance widths in em, close to DejaVu Sans (the widest of the usual fallbacks for
# Arial), so that a label fits its box whichever of them the viewer has.
_WIDE = set("жмфшщыюЖШЩЮМФЫЪmwMW—…⏱")
_NARROW = set("ijlI.,:;'!| ")
_SLIM = set('ftr()[]-/"гзэсГ')


def text_width(text: str, size: float) -> float:
    """An estimate of the text's width in pixels at a font size of `size` pixels."""
    em = 0.0
    for ch in text:
        if ch in _WIDE:
            em += 1.02 if ch in "ЖШЩЮ—…⏱" else 0.88
        elif ch in _NARROW:
            em += 0.31
        elif ch in _SLIM:
            em += 0.45
        elif ch.isupper():
            em += 0.72
        else:
            em += 0.62
    return em * size


def wrap(text: str, width: int = 24) -> list[str]:
    """Words into lines of at most `width` characters (a longer word keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


# --- layered layout (grandalf) -----------------------------------------------------

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x, y, width, height


@dataclass(frozen=True)
class Box:
    """A node to place: its drawn size, its outline (rect, ellipse or diamond) and room
    kept free on its far side across the flow (right of it top-down, below it
    left-to-right)."""

    w: float
    h: float
    shape: str = "rect"
    aside: float = 0.0


@dataclass(frozen=True)
class Link:
    id: str
    source: str
    target: str
    label: tuple[float, float] | None = None  # the label's width and height
    # Leaves from a circle of this radius on the middle of the source's far side (a
    # BPMN timer on a task's border), at its corner toward the flow, instead of from
    # the source's side facing the flow; it runs on along the room kept there.
    tail_aside: float | None = None


@dataclass
class Placement:
    width: float
    height: float
    boxes: dict[str, Rect]  # each box as drawn
    routes: dict[str, list[Point]]  # each link's polyline, from its source's outline to its target's
    labels: dict[str, Rect] = field(default_factory=dict)  # where each labelled link's label goes
    # With `lanes`: each lane's band across the flow (from, to), in the order given.
    lanes: dict[int, tuple[float, float]] = field(default_factory=dict)


class _View:
    """A grandalf vertex view: the size in the layout's frame (w across, h along the flow)."""

    def __init__(self, w: float, h: float) -> None:
        self.w, self.h, self.xy = w, h, (0.0, 0.0)


def _back_links(order: list[str], links: list[Link], first: str | None) -> set[str]:
    """The links that close a cycle, found by a depth-first walk from `first` (then
    from every box not reached, in order): turned round, they leave the graph acyclic,
    and the walk follows the definition's order, so the main road runs forwards."""
    out: dict[str, list[Link]] = {name: [] for name in order}
    for link in links:
        out[link.source].append(link)
    back: set[str] = set()
    state: dict[str, int] = {}  # 1 on the walk's stack, 2 done
    for root in ([first] if first else []) + order:
        if root in state:
            continue
        stack = [(root, iter(out[root]))]
        state[root] = 1
        while stack:
            node, ways = stack[-1]
            link = next(ways, None)
            if link is None:
                state[node] = 2
                stack.pop()
            elif state.get(link.target) == 1:
                back.add(link.id)
            elif link.target not in state:
                state[link.target] = 1
                stack.append((link.target, iter(out[link.target])))
    return back


def _components(vertices: list[Vertex], edges: list[Edge]) -> list[tuple[list[Vertex], list[Edge]]]:
    """Connected parts, in the order of their first vertex (grandalf's own Graph keeps
    edges in a set, which would make the layout differ from one run to the next)."""
    parent = {v: v for v in vertices}

    def find(v: Vertex) -> Vertex:
        while parent[v] is not v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for e in edges:
        a, b = find(e.v[0]), find(e.v[1])
        if a is not b:
            parent[b] = a
    parts: dict[Vertex, tuple[list[Vertex], list[Edge]]] = {}
    for v in vertices:
        parts.setdefault(find(v), ([], []))[0].append(v)
    for e in edges:
        parts[find(e.v[0])][1].append(e)
    return list(parts.values())


def _separate(sug: SugiyamaLayout, gap: float) -> None:
    """Push apart, to the right, vertices of a layer closer than `gap` (a safety net:
    grandalf's compaction is meant to leave none)."""
    for layer in sug.layers:
        ordered = sorted(layer, key=lambda v: v.view.xy[0])
        for before, v in zip(ordered, ordered[1:], strict=False):
            least = before.view.xy[0] + (before.view.w + v.view.w) / 2 + gap
            if v.view.xy[0] < least - 0.01:
                v.view.xy = (least, v.view.xy[1])


def _into_lanes(sug: SugiyamaLayout, lane_of: dict[Any, int], gap: float) -> dict[int, tuple[float, float]]:
    """Move every vertex across the flow into the band of its lane, the bands one after
    another in lane order. Within a lane the layout's places are kept as far as they
    fit, so what lined up still does; returns each band's (start, end)."""
    lowest: dict[int, float] = {}
    for layer in sug.layers:
        for v in layer:
            lane = lane_of[v]
            lowest[lane] = min(lowest.get(lane, math.inf), v.view.xy[0] - v.view.w / 2)
    within: dict[Any, float] = {}  # each vertex's centre, from its band's start
    size: dict[int, float] = dict.fromkeys(lowest, 0.0)
    for layer in sug.layers:
        end: dict[int, float] = {}
        for v in sorted(layer, key=lambda v: (lane_of[v], v.view.xy[0])):
            lane = lane_of[v]
            wanted = v.view.xy[0] - lowest[lane]
            if lane in end:
                wanted = max(wanted, end[lane] + gap + v.view.w / 2)
            else:
                wanted = max(wanted, v.view.w / 2)
            within[v] = wanted
            end[lane] = wanted + v.view.w / 2
            size[lane] = max(size[lane], end[lane])
    bands: dict[int, tuple[float, float]] = {}
    start = 0.0
    for lane in sorted(size):
        bands[lane] = (start - gap, start + size[lane] + gap)
        start += size[lane] + 3 * gap
    for layer in sug.layers:
        for v in layer:
            v.view.xy = (bands[lane_of[v]][0] + gap + within[v], v.view.xy[1])
    return bands


def _clip(centre: Point, size: tuple[float, float], shape: str, toward: Point) -> Point:
    """Where a line from the centre of a box toward `toward` crosses its outline."""
    cx, cy = centre
    w, h = size
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == 0 and dy == 0:
        return centre
    if shape == "ellipse":
        t = 1 / math.sqrt((dx / (w / 2)) ** 2 + (dy / (h / 2)) ** 2)
    elif shape == "diamond":
        t = 1 / (abs(dx) / (w / 2) + abs(dy) / (h / 2))
    else:
        t = min(w / 2 / abs(dx) if dx else math.inf, h / 2 / abs(dy) if dy else math.inf)
    t = min(t, 1.0)
    return cx + dx * t, cy + dy * t


def _attach(
    routes: dict[str, list[Point]],
    ends: dict[str, tuple[str, str]],
    placed: dict[str, tuple[Point, tuple[float, float]]],
    boxes: dict[str, Box],
    aside_tails: Collection[str] = (),
) -> None:
    """Put each route's first and last point on its box's outline (layout frame: x
    across the flow, y along it). Lines that meet a rectangle from the layer above or
    below share out its side, in the order of where they come from, so that arrows
    do not pile up on one spot."""
    sides: dict[tuple[str, int], list[tuple[float, str, int]]] = {}
    for key, (source, target) in ends.items():
        points = routes[key]
        for name, index, toward in ((source, 0, points[1]), (target, -1, points[-2])):
            if index == 0 and key in aside_tails:
                continue
            (cx, cy), (w, h) = placed[name]
            if boxes[name].shape == "rect" and abs(toward[1] - cy) > h / 2:
                side = 1 if toward[1] > cy else -1
                sides.setdefault((name, side), []).append((toward[0], key, index))
            else:
                points[index] = _clip((cx, cy), (w, h), boxes[name].shape, toward)
    for (name, side), ends_here in sides.items():
        (cx, cy), (w, h) = placed[name]
        inset = min(16.0, w / 4)
        low, high = cx - w / 2 + inset, cx + w / 2 - inset
        ends_here.sort(key=lambda end: end[0])
        xs = [min(max(x, low), high) for x, _, _ in ends_here]
        if len(xs) > 1:
            gap = min(22.0, (high - low) / (len(xs) - 1))
            for i in range(1, len(xs)):
                xs[i] = max(xs[i], xs[i - 1] + gap)
            if xs[-1] > high:
                xs[-1] = high
                for i in range(len(xs) - 2, -1, -1):
                    xs[i] = min(xs[i], xs[i + 1] - gap)
        for x, (_, key, index) in zip(xs, ends_here, strict=False):
            routes[key][index] = (x, cy + side * h / 2)


def layered_layout(
    boxes: dict[str, Box],
    links: list[Link],
    *,
    first: str | None = None,
    direction: str = "TB",
    node_gap: float = 28,
    rank_gap: float = 24,
    label_side: bool = False,
    margin: float = 0,
    lanes: dict[str, int] | None = None,
) -> Placement:
    """Place boxes in layers along the flow (top-down "TB" or left-to-right "LR") with
    grandalf's Sugiyama layout and route the links between them. Each labelled link
    gets a node of the label's size in a layer between its ends, so labels never lie
    on one another; the link's line passes through the label's middle or, with
    `label_side`, beside it (the label left of a top-down line, above a left-to-right
    one). A link from a box to itself is a loop on the box's far side, its label
    beyond it. `first` is where the flow starts: links that lead back towards it are
    laid out turned round and drawn back. `lanes` puts each box in a band across the
    flow (a BPMN lane: the number orders the bands); a link's label and the points that
    carry it through layers go in its source's band. It needs one connected graph."""
    horizontal = direction == "LR"

    def across(w: float, h: float) -> tuple[float, float]:  # (across, along) the flow
        return (h, w) if horizontal else (w, h)

    def final(p: Point) -> Point:
        return (p[1], p[0]) if horizontal else p

    names = list(boxes)
    loops = [link for link in links if link.source == link.target]
    flow = [link for link in links if link.source != link.target]
    back = _back_links(names, flow, first)

    # Room for the loops beside their box (in the layout's frame: across, along).
    loop_room: dict[str, tuple[float, float]] = {}
    loop_reach = 26.0
    for name in dict.fromkeys(link.source for link in loops):
        own = [link for link in loops if link.source == name]
        sizes = [across(*(link.label or (0, 0))) for link in own]
        reach = loop_reach + 10 * (len(own) - 1)
        loop_room[name] = (reach + 6 + max(s[0] for s in sizes), sum(s[1] for s in sizes) + 4 * (len(sizes) - 1))

    vertices: dict[str, Vertex] = {}
    for name, box in boxes.items():
        a, f = across(box.w, box.h)
        room_a, room_f = loop_room.get(name, (0.0, 0.0))
        v = Vertex(name)
        v.view = _View(a + box.aside + room_a, max(f, room_f))
        vertices[name] = v
    chains: dict[str, tuple[list[Edge], Vertex | None]] = {}
    edges: list[Edge] = []
    label_vertices: list[Vertex] = []
    for link in flow:
        tail, head = vertices[link.source], vertices[link.target]
        if link.id in back:
            tail, head = head, tail
        if link.label:
            a, f = across(*link.label)
            middle = Vertex(("label", link.id))
            middle.view = _View(2 * a + 8 if label_side else a + 8, f + 4)
            label_vertices.append(middle)
            pair = [Edge(tail, middle), Edge(middle, head)]
        else:
            middle, pair = None, [Edge(tail, head)]
        edges.extend(pair)
        chains[link.id] = (pair, middle)

    # Each connected part laid out on its own, then side by side across the flow.
    through: dict[Edge, list[Vertex]] = {}  # each edge's vertices, the dummies between its ends included
    band: dict[Any, tuple[float, float]] = {}  # each vertex's layer, from its top to its bottom along the flow
    offset = 0.0
    bands: dict[int, tuple[float, float]] = {}
    parts = _components(list(vertices.values()) + label_vertices, edges)
    if lanes is not None and len(parts) > 1:
        raise ValueError("lanes need one connected graph")
    for part_vertices, part_edges in parts:
        core = graph_core(part_vertices, part_edges)
        sug = SugiyamaLayout(core)
        sug.xspace, sug.yspace = node_gap, rank_gap
        sug.dw, sug.dh = 8, 8  # the points that carry long edges through a layer
        roots = [v for v in part_vertices if not v.e_in()]
        sug.init_all(roots=roots, inverted_edges=[])
        sug.draw(N=4.5)
        _separate(sug, node_gap)
        if lanes is not None:
            lane_of: dict[Any, int] = {vertices[name]: lanes[name] for name in boxes}
            for link in flow:
                pair, middle = chains[link.id]
                for e in pair:
                    for v in sug.ctrls.get(e, {}).values():
                        lane_of.setdefault(v, lanes[link.source])
                if middle is not None:
                    lane_of[middle] = lanes[link.source]
            bands = _into_lanes(sug, lane_of, node_gap)
        every = [v for layer in sug.layers for v in layer]
        low = min(v.view.xy[0] - v.view.w / 2 for v in every)
        high = max(v.view.xy[0] + v.view.w / 2 for v in every)
        for layer in sug.layers:
            half = max(v.view.h / 2 for v in layer)
            for v in layer:
                v.view.xy = (v.view.xy[0] - low + offset, v.view.xy[1])
                band[v] = (v.view.xy[1] - half, v.view.xy[1] + half)
        for e in part_edges:
            dummies = sug.ctrls.get(e, {})
            through[e] = [e.v[0], *(dummies[r] for r in sorted(dummies) if dummies[r] not in e.v), e.v[1]]
        offset += high - low + node_gap * 2

    # Drawn boxes: the layout node less the room kept beside it.
    placed: dict[str, tuple[Point, tuple[float, float]]] = {}  # centre and size, layout frame
    for name, box in boxes.items():
        v = vertices[name]
        a, f = across(box.w, box.h)
        cx = v.view.xy[0] - (v.view.w - a) / 2
        placed[name] = ((cx, v.view.xy[1] + (v.view.h - f) / 2), (a, f))

    # Routes: through each layer straight along the flow, at the dummy's or the label's
    # place, so that a line crosses a layer only where the layout left it room; from
    # one layer to the next, a straight line across the gap.
    routes: dict[str, list[Point]] = {}
    label_rects: dict[str, Rect] = {}
    for link in flow:
        pair, middle = chains[link.id]
        chain = list(through[pair[0]])
        if len(pair) == 2:
            chain += through[pair[1]][1:]
        if link.id in back:
            chain.reverse()
        ahead = 1 if vertices[link.target].view.xy[1] > vertices[link.source].view.xy[1] else -1
        points = [chain[0].view.xy]
        for v in chain[1:-1]:
            x, y = v.view.xy
            top, bottom = band[v]
            points += [(x, top), (x, bottom)] if ahead > 0 else [(x, bottom), (x, top)]
        points.append(chain[-1].view.xy)
        if middle is not None:
            mx, my = middle.view.xy
            a, f = across(*link.label)  # type: ignore[misc]
            left = mx - 4 - a if label_side else mx - a / 2
            label_rects[link.id] = (left, my - f / 2, a, f)
        routes[link.id] = points
    _attach(
        routes,
        {link.id: (link.source, link.target) for link in flow},
        placed,
        boxes,
        {link.id for link in flow if link.tail_aside is not None},
    )
    for link in flow:
        # From a box's side to the edge of its layer, when other boxes make the layer deeper.
        points = routes[link.id]
        ends = [(link.target, -1)]
        if link.tail_aside is None:
            ends.append((link.source, 0))
        else:
            # Off the circle's corner, then along the room kept there to the layer's edge.
            (cx, cy), (a, _f) = placed[link.source]
            top, bottom = band[vertices[link.source]]
            ahead = 1 if points[1][1] > cy else -1
            out = cx + a / 2 + link.tail_aside * math.sqrt(0.5)
            points[0:1] = [(out, cy + ahead * link.tail_aside * math.sqrt(0.5)), (out, bottom if ahead > 0 else top)]
        for name, index in ends:
            top, bottom = band[vertices[name]]
            port = points[index]
            toward = points[1] if index == 0 else points[-2]
            edge = bottom if toward[1] > port[1] else top
            if abs(edge - port[1]) > 0.5 and (toward[1] - edge) * (edge - port[1]) > 0:
                points.insert(1 if index == 0 else len(points) - 1, (port[0], edge))

    for name in dict.fromkeys(link.source for link in loops):
        (cx, cy), (a, f) = placed[name]
        own = [link for link in loops if link.source == name]
        side = cx + a / 2
        reach = loop_reach + 10 * (len(own) - 1)
        sizes = [across(*(link.label or (0, 0))) for link in own]
        # The labels end level with the box's far end along the flow: the lines that
        # leave the box from there go away from them.
        total = sum(s[1] for s in sizes) + 4 * (len(sizes) - 1)
        along = cy + f / 2 - total if total > f else cy - total / 2
        for i, (link, (la, lf)) in enumerate(zip(own, sizes, strict=False)):
            r = loop_reach + 10 * i
            spread = min(f / 2 - 3, 7 + 3 * i)
            routes[link.id] = [
                (side, cy - spread),
                (side + r, cy - spread - 4),
                (side + r, cy + spread + 4),
                (side, cy + spread),
            ]
            if link.label:
                label_rects[link.id] = (side + reach + 6, along, la, lf)
            along += lf + 4

    # Into the final frame, the drawing's corner at (margin, margin).
    def swap_rect(r: Rect) -> Rect:
        x, y, w, h = r
        return (y, x, h, w) if horizontal else r

    out_boxes = {name: swap_rect((c[0] - s[0] / 2, c[1] - s[1] / 2, s[0], s[1])) for name, (c, s) in placed.items()}
    out_routes = {key: [final(p) for p in pts] for key, pts in routes.items()}
    out_labels = {key: swap_rect(r) for key, r in label_rects.items()}
    rects = list(out_boxes.values()) + list(out_labels.values())
    xs = [r[0] for r in rects] + [p[0] for pts in out_routes.values() for p in pts]
    ys = [r[1] for r in rects] + [p[1] for pts in out_routes.values() for p in pts]
    xe = [r[0] + r[2] for r in rects] + xs
    ye = [r[1] + r[3] for r in rects] + ys
    if horizontal:
        ys += [b[0] for b in bands.values()]
        ye += [b[1] for b in bands.values()]
    else:
        xs += [b[0] for b in bands.values()]
        xe += [b[1] for b in bands.values()]
    dx, dy = margin - min(xs), margin - min(ys)

    def move(p: Point) -> Point:
        return p[0] + dx, p[1] + dy

    return Placement(
        width=max(xe) - min(xs) + 2 * margin,
        height=max(ye) - min(ys) + 2 * margin,
        boxes={k: (r[0] + dx, r[1] + dy, r[2], r[3]) for k, r in out_boxes.items()},
        routes={k: [move(p) for p in pts] for k, pts in out_routes.items()},
        labels={k: (r[0] + dx, r[1] + dy, r[2], r[3]) for k, r in out_labels.items()},
        lanes={k: (a + (dy if horizontal else dx), b + (dy if horizontal else dx)) for k, (a, b) in bands.items()},
    )


# --- SVG ------------------------------------------------------------------------

STATE_SIZE, NOTE_SIZE, EDGE_SIZE, TITLE_SIZE = 12.0, 10.5, 10.0, 16.0
LINE = 1.3  # line height, in font sizes
PAD_X, PAD_Y = 12.0, 7.0
PERIPHERY = 4.0  # the gap between a terminal state's two borders
START_R = 7.0
MARGIN = 16.0


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _path(points: list[Point], radius: float = 18.0) -> str:
    """The polyline with its corners rounded off (quadratic Béziers), so that it keeps
    to its points: the layout's points are where the line has room to pass."""
    d = [f"M{_fmt(points[0][0])},{_fmt(points[0][1])}"]
    for i in range(1, len(points) - 1):
        (x0, y0), (x1, y1), (x2, y2) = points[i - 1], points[i], points[i + 1]
        before, after = math.hypot(x1 - x0, y1 - y0), math.hypot(x2 - x1, y2 - y1)
        if before < 1e-6 or after < 1e-6:
            continue
        r = min(radius, before / 2, after / 2)
        a = (x1 - (x1 - x0) * r / before, y1 - (y1 - y0) * r / before)
        b = (x1 + (x2 - x1) * r / after, y1 + (y2 - y1) * r / after)
        d.append(f"L{_fmt(a[0])},{_fmt(a[1])} Q{_fmt(x1)},{_fmt(y1)} {_fmt(b[0])},{_fmt(b[1])}")
    d.append(f"L{_fmt(points[-1][0])},{_fmt(points[-1][1])}")
    return " ".join(d)


def _arrow(tip: Point, before: Point, size: float) -> tuple[Point, list[Point]]:
    """The arrowhead at `tip` coming from `before`: where the line should stop, and the triangle."""
    dx, dy = tip[0] - before[0], tip[1] - before[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    base = (tip[0] - ux * size, tip[1] - uy * size)
    half = size * 0.45
    return base, [tip, (base[0] - uy * half, base[1] + ux * half), (base[0] + uy * half, base[1] - ux * half)]


def _el(parent: ET.Element, tag: str, **attrs: Any) -> ET.Element:
    return ET.SubElement(
        parent,
        tag,
        {
            k.rstrip("_").replace("_", "-"): (_fmt(v) if isinstance(v, float) else str(v))
            for k, v in attrs.items()
            if v is not None
        },
    )


def _text(parent: ET.Element, x: float, y: float, text: str, size: float, fill: str, **attrs: Any) -> None:
    _el(
        parent, "text", x=x, y=y + size * 0.35, font_size=_fmt(size), fill=fill, text_anchor="middle", **attrs
    ).text = text


def _title(parent: ET.Element, text: str) -> None:
    ET.SubElement(parent, "title").text = text


def _state_size(node: DiagramNode) -> tuple[float, float]:
    width = text_width(node.label, STATE_SIZE) * (1.06 if "current" in node.classes else 1)
    lines = 1
    if node.note:
        width = max(width, text_width(node.note, NOTE_SIZE))
        lines = 2
    w = max(width + 2 * PAD_X, 90.0)
    h = STATE_SIZE * LINE * lines + 2 * PAD_Y
    if node.terminal:
        w, h = w + 2 * PERIPHERY, h + 2 * PERIPHERY
    return w, h


def _edge_lines(edge: DiagramEdge) -> list[str]:
    return wrap(edge.label, 20) + [f"[{edge.roles}]"]


def _edge_label_size(edge: DiagramEdge) -> tuple[float, float]:
    lines = _edge_lines(edge)
    return max(text_width(line, EDGE_SIZE) for line in lines) + 6, EDGE_SIZE * LINE * len(lines) + 2


@lru_cache(maxsize=64)
def _svg(d: Diagram) -> bytes:
    # Cached by the diagram itself: the rules change only with a restart, and cases at
    # the same point of the same path draw the same picture.
    boxes = {START: Box(2 * START_R, 2 * START_R, "ellipse")}
    for node in d.states:
        boxes[node.name] = Box(*_state_size(node))
    links = [Link("start-edge", START, d.initial)]
    links += [Link(edge.element_id, edge.source, edge.dest, _edge_label_size(edge)) for edge in d.edges]
    layout = layered_layout(boxes, links, first=START, direction="TB", node_gap=24, rank_gap=30)

    title_h = TITLE_SIZE * 2.2
    note_w = note_h = 0.0
    if d.case_note:
        note_w = max(text_width(d.case_note.label, STATE_SIZE), text_width(d.case_note.note, NOTE_SIZE)) + 2 * PAD_X + 8
        note_h = STATE_SIZE * LINE * 2 + 2 * PAD_Y
    note_at = _free_corner(layout, note_w, note_h) if d.case_note else None
    # The graph, and the note on its right unless a top corner of the graph is free for it.
    content_w = layout.width + (note_w + 24 if d.case_note and note_at is None else 0)
    width = max(content_w, text_width(d.label, TITLE_SIZE) + 20) + 2 * MARGIN
    height = max(layout.height, note_h) + title_h + 2 * MARGIN
    ox, oy = (width - content_w) / 2, MARGIN + title_h  # centred under the title

    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "width": f"{width:.0f}",
            "height": f"{height:.0f}",
            "viewBox": f"0 0 {width:.0f} {height:.0f}",
            "font-family": FONT_FAMILY,
            "class": "workflow-diagram",
            "id": f"workflow-{d.name}",
        },
    )
    _title(root, d.label)
    _el(root, "rect", x=0, y=0, width=f"{width:.0f}", height=f"{height:.0f}", fill="white")
    _text(root, width / 2, MARGIN + TITLE_SIZE * 0.7, d.label, TITLE_SIZE, INK, class_="graph-label")
    canvas = _el(root, "g", transform=f"translate({_fmt(ox)},{_fmt(oy)})")

    def box(name: str) -> Rect:
        return layout.boxes[name]

    # Edges under the states; the path already taken drawn last, over the others.
    start_edge = DiagramEdge(
        START, d.initial, "start-edge", classes=("transition", "taken") if d.highlighted else ("transition",)
    )
    for edge in sorted((start_edge, *d.edges), key=lambda e: "taken" in e.classes):
        _draw_edge(canvas, edge, layout.routes[edge.element_id], layout.labels.get(edge.element_id), edge is start_edge)

    x, y, w, h = box(START)
    start = _el(canvas, "g", id="start", class_="start")
    _title(start, "Начало")
    _el(start, "ellipse", cx=x + w / 2, cy=y + h / 2, rx=START_R, ry=START_R, fill=INK, stroke=INK)

    for node in d.states:
        _draw_state(canvas, node, box(node.name))
    if d.case_note:
        _draw_note(canvas, d.case_note, (*(note_at or (layout.width + 24, 0.0)), note_w, note_h))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _free_corner(layout: Placement, w: float, h: float, room: float = 12.0) -> Point | None:
    """A top corner of the drawing where a box of w by h touches no state, label or line."""
    things = list(layout.boxes.values()) + list(layout.labels.values())
    for x, y in ((layout.width - w, 0.0), (0.0, 0.0)):
        if x < 0:
            continue
        zone = (x - room, y - room, w + 2 * room, h + 2 * room)

        def inside(p: Point, zone: tuple[float, float, float, float] = zone) -> bool:
            return zone[0] <= p[0] <= zone[0] + zone[2] and zone[1] <= p[1] <= zone[1] + zone[3]

        if any(
            r[0] < zone[0] + zone[2] and zone[0] < r[0] + r[2] and r[1] < zone[1] + zone[3] and zone[1] < r[1] + r[3]
            for r in things
        ):
            continue
        crossed = False
        for route in layout.routes.values():
            for (x0, y0), (x1, y1) in zip(route, route[1:], strict=False):
                steps = max(1, int(math.hypot(x1 - x0, y1 - y0) / 4))
                if any(inside((x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)) for i in range(steps + 1)):
                    crossed = True
                    break
            if crossed:
                break
        if not crossed:
            return x, y
    return None


def _draw_state(canvas: ET.Element, node: DiagramNode, rect: Rect) -> None:
    x, y, w, h = rect
    g = _el(canvas, "g", id=node.element_id, class_=" ".join(node.classes))
    _title(g, node.tooltip)
    fill, stroke, width, weight = "white", MUTED, 1.0, None
    if "current" in node.classes:
        fill, stroke, width, weight = CURRENT_FILL, CURRENT_LINE, 2.5, "bold"
    elif "visited" in node.classes:
        fill, stroke, width = VISITED_FILL, ACCENT, 1.5
    inner = (x + PERIPHERY, y + PERIPHERY, w - 2 * PERIPHERY, h - 2 * PERIPHERY) if node.terminal else rect
    if node.terminal:
        _el(g, "rect", x=x, y=y, width=w, height=h, rx=9.0, fill="none", stroke=stroke, stroke_width=width)
    ix, iy, iw, ih = inner
    _el(g, "rect", x=ix, y=iy, width=iw, height=ih, rx=6.0, fill=fill, stroke=stroke, stroke_width=width)
    cx, cy = x + w / 2, y + h / 2
    if node.note:
        _text(g, cx, cy - STATE_SIZE * LINE / 2, node.label, STATE_SIZE, INK, font_weight=weight)
        _text(g, cx, cy + STATE_SIZE * LINE / 2, node.note, NOTE_SIZE, MUTED, class_="deadline")
    else:
        _text(g, cx, cy, node.label, STATE_SIZE, INK, font_weight=weight)


def _draw_note(canvas: ET.Element, node: DiagramNode, rect: Rect) -> None:
    x, y, w, h = rect
    fold = 10.0
    g = _el(canvas, "g", id=node.element_id, class_=" ".join(node.classes))
    _title(g, node.tooltip)
    outline = [(x, y), (x + w - fold, y), (x + w, y + fold), (x + w, y + h), (x, y + h)]
    _el(g, "polygon", points=" ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in outline), fill="white", stroke=MUTED)
    _el(
        g,
        "polyline",
        points=f"{_fmt(x + w - fold)},{_fmt(y)} {_fmt(x + w - fold)},{_fmt(y + fold)} {_fmt(x + w)},{_fmt(y + fold)}",
        fill="none",
        stroke=MUTED,
    )
    cx, cy = x + w / 2, y + h / 2
    _text(g, cx, cy - STATE_SIZE * LINE / 2, node.label, STATE_SIZE, INK)
    _text(g, cx, cy + STATE_SIZE * LINE / 2, node.note, NOTE_SIZE, MUTED, class_="deadline")


def _draw_edge(canvas: ET.Element, edge: DiagramEdge, route: list[Point], label: Rect | None, start: bool) -> None:
    taken = "taken" in edge.classes
    colour = ACCENT if taken else MUTED
    width = (2.0 if start else 2.2) if taken else 1.0
    g = _el(canvas, "g", id=edge.element_id, class_=" ".join(edge.classes))
    if edge.tooltip:
        _title(g, edge.tooltip)
    arrow = 8.0 + width
    base, head = _arrow(route[-1], route[-2], arrow)
    points = route[:-1] + [base]
    _el(
        g,
        "path",
        d=_path(points),
        fill="none",
        stroke=colour,
        stroke_width=width,
        stroke_dasharray="5,3" if "expiry" in edge.classes else None,
    )
    _el(
        g,
        "polygon",
        points=" ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in head),
        fill=colour,
        stroke=colour,
        stroke_width=1.0,
    )
    if label is None:
        return
    x, y, w, h = label
    _el(g, "rect", x=x, y=y, width=w, height=h, rx=3.0, fill="white", fill_opacity=0.85, class_="label-bg")
    lines = _edge_lines(edge)
    top = y + 1 + EDGE_SIZE * LINE / 2
    for i, line in enumerate(lines):
        _text(g, x + w / 2, top + i * EDGE_SIZE * LINE, line, EDGE_SIZE, colour)
