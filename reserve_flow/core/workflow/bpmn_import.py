"""A BPMN process, as reserve-flow exports it or as a district draws it in Camunda
Modeler, read back into a workflow file (the TOML of workflows/*.toml).

The subset that maps: user tasks (plain and manual tasks too) are states; end events
terminal states; sequence flows out of a task, straight or through exclusive
gateways, transitions; timer boundary events deadlines (interrupting: the flow out
of the timer is the expiry transition); an event subprocess with a timer start
event, or rf:deadline scope="workflow" timers, the case's deadline; lanes the roles
of the tasks in them. The rf: extension elements of bpmn.py, where present, give
the codes, roles, guards and deadlines exactly; without them the importer guesses
from ids, names, lanes, `trigger == "..."` conditions and ISO 8601 durations, and
says so. Everything else (service tasks, parallel gateways, message events...) is
listed in Russian as not carried over.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

from reserve_flow.core.actors import ROLES
from reserve_flow.core.workflow.bpmn import EXTENSION, MODEL
from reserve_flow.core.workflow.definition import load_definition

TASKS = ("userTask", "task", "manualTask")
# Parts of a process that carry nothing a workflow file needs (the drawing, texts).
IGNORED = (
    "documentation",
    "extensionElements",
    "laneSet",
    "incoming",
    "outgoing",
    "textAnnotation",
    "association",
    "sequenceFlow",
    "startEvent",
    "boundaryEvent",
    "exclusiveGateway",
    "endEvent",
    *TASKS,
)
FALLBACK_ROLE = "admin"
# Steps a machine would do: not carried over, but a flow through one leads on to what follows.
AUTOMATIC = ("serviceTask", "scriptTask", "sendTask", "businessRuleTask")
# Lane names for the pseudo-roles (the user roles are matched by their Russian names and codes).
PSEUDO_LANES = {
    "owner": "owner",
    "владелец": "owner",
    "владелец дела": "owner",
    "system": "system",
    "система": "system",
}


def _m(tag: str) -> str:
    return f"{{{MODEL}}}{tag}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rf(element: ET.Element, tag: str) -> dict[str, str] | None:
    found = element.find(f"{_m('extensionElements')}/{{{EXTENSION}}}{tag}")
    return dict(found.attrib) if found is not None else None


def _code(text: str) -> str:
    """An identifier for a state or an action from an id or a name."""
    code = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower()
    return code if code and not code[0].isdigit() else f"s_{code}"


def _words(text: str | None) -> list[str]:
    return text.split() if text else []


@dataclass
class ImportResult:
    toml: str
    problems: list[str] = field(default_factory=list)  # what did not map, in Russian
    errors: list[str] = field(default_factory=list)  # what the definition loader says of the result


@dataclass
class _Transition:
    trigger: str
    sources: list[str]
    dest: str
    roles: list[str]
    guards: list[str] = field(default_factory=list)
    reason_required: bool = False
    notify: list[str] = field(default_factory=list)
    label_ru: str = ""
    label_en: str = ""


class _Reader:
    def __init__(self, process: ET.Element, problems: list[str]) -> None:
        self.process = process
        self.problem = problems.append
        self.by_id: dict[str, ET.Element] = {}
        for element in process.iter():
            if element.get("id"):
                self.by_id[element.get("id")] = element
        self.flows = {f.get("id"): f for f in process.iter(_m("sequenceFlow"))}
        self.outgoing: dict[str, list[ET.Element]] = {}
        self.incoming: dict[str, list[ET.Element]] = {}
        for flow in self.flows.values():
            self.outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
            self.incoming.setdefault(flow.get("targetRef"), []).append(flow)
        self.lane_role = self._lanes()
        self.states: dict[str, dict] = {}
        self.state_of: dict[str, str] = {}  # element id -> state name

    # --- roles -----------------------------------------------------------------

    def _lanes(self) -> dict[str, str]:
        names = {v["ru"].lower(): code for code, v in ROLES.items()} | {code: code for code in ROLES}
        names |= PSEUDO_LANES
        role_of: dict[str, str] = {}
        for lane in self.process.iter(_m("lane")):
            ext = _rf(lane, "role")
            label = (lane.get("name") or "").strip()
            role = ext["name"] if ext else names.get(label.lower()) or names.get(_code(label))
            if role is None:
                self.problem(
                    f"Дорожка «{label or lane.get('id')}»: роль не распознана, задачи в ней отданы роли "
                    f"«{FALLBACK_ROLE}» (известные роли: {', '.join(sorted(ROLES))})."
                )
                role = FALLBACK_ROLE
            for ref in lane.iter(_m("flowNodeRef")):
                role_of[(ref.text or "").strip()] = role
        return role_of

    def role_of(self, element_id: str) -> str | None:
        return self.lane_role.get(element_id)

    # --- states ----------------------------------------------------------------

    def read_states(self) -> None:
        for element in self.process:
            kind = _local(element.tag)
            if kind in TASKS:
                self._add_state(element, terminal=False)
            elif kind == "endEvent" and not self._is_notice(element):
                self._add_state(element, terminal=True)

    def _is_notice(self, end: ET.Element) -> bool:
        """An end event reached only from non-interrupting timers: a notification, no state."""
        sources = [self.by_id.get(f.get("sourceRef")) for f in self.incoming.get(end.get("id"), [])]
        return bool(sources) and all(
            s is not None and _local(s.tag) == "boundaryEvent" and s.get("cancelActivity") == "false" for s in sources
        )

    def _add_state(self, element: ET.Element, terminal: bool) -> str:
        ext = _rf(element, "state") or {}
        name = ext.get("name") or _code(element.get("id", ""))
        if name in self.states:  # the same terminal state drawn twice
            self.state_of[element.get("id")] = name
            return name
        label = (element.get("name") or "").strip()
        if not label:
            self.problem(f"Элемент {element.get('id')}: нет названия, в label_ru записан код «{name}».")
        self.states[name] = {"label_ru": label or name, "label_en": ext.get("labelEn", ""), "terminal": terminal}
        self.state_of[element.get("id")] = name
        return name

    # --- flows -----------------------------------------------------------------

    def target_state(self, flow: ET.Element, seen: frozenset[str] = frozenset()) -> str | None:
        """The state a flow leads to, through merging gateways with one way out."""
        target = self.by_id.get(flow.get("targetRef"))
        if target is None:
            return None
        if target.get("id") in self.state_of:
            return self.state_of[target.get("id")]
        passes = _local(target.tag) == "exclusiveGateway" or _local(target.tag) in AUTOMATIC
        if passes and target.get("id") not in seen:
            out = self.outgoing.get(target.get("id"), [])
            if len(out) == 1:
                return self.target_state(out[0], seen | {target.get("id")})
        return None

    def decisions(self, task_id: str) -> list[ET.Element]:
        """The flows that leave a task: straight, or out of the gateways after it."""
        result: list[ET.Element] = []
        queue, seen = [task_id], {task_id}
        while queue:
            node = queue.pop(0)
            for flow in self.outgoing.get(node, []):
                target = self.by_id.get(flow.get("targetRef"))
                if (
                    target is not None
                    and _local(target.tag) == "exclusiveGateway"
                    and len(self.outgoing.get(target.get("id"), [])) > 1
                    and target.get("id") not in seen
                ):
                    seen.add(target.get("id"))
                    queue.append(target.get("id"))
                else:
                    result.append(flow)
        return result

    def transition(self, flow: ET.Element, source: str, default_roles: list[str]) -> _Transition | None:
        dest = self.target_state(flow)
        if dest is None:
            target = self.by_id.get(flow.get("targetRef"))
            kind = _local(target.tag) if target is not None else "?"
            self.problem(
                f"Поток {flow.get('id')}: ведёт в {kind} {flow.get('targetRef')}, а не в состояние — не перенесён."
            )
            return None
        ext = _rf(flow, "transition") or {}
        trigger = ext.get("trigger") or self._trigger_from_condition(flow) or _code(flow.get("id", ""))
        if dest == source and ext.get("dest", "=") == "=":
            dest = "="
        roles = _words(ext.get("roles")) or default_roles
        label = (flow.get("name") or "").strip()
        if not label:
            target = self.by_id.get(flow.get("targetRef"))
            label = (target.get("name") or "").strip() if target is not None else ""
            label = label or trigger
        return _Transition(
            trigger=trigger,
            sources=[source],
            dest=dest,
            roles=roles,
            guards=_words(ext.get("guards")),
            reason_required=ext.get("reasonRequired") == "true",
            notify=_words(ext.get("notify")),
            label_ru=label,
            label_en=ext.get("labelEn", ""),
        )

    @staticmethod
    def _trigger_from_condition(flow: ET.Element) -> str | None:
        text = flow.findtext(_m("conditionExpression")) or ""
        found = re.search(r"\b(?:trigger|action)\s*==\s*['\"]([A-Za-z0-9_]+)['\"]", text)
        return found.group(1) if found else None

    # --- deadlines -------------------------------------------------------------

    def deadline(self, event: ET.Element, actor: str | None) -> dict | None:
        ext = _rf(event, "deadline")
        if ext:
            table: dict = {}
            if "until" in ext:
                table["until"] = ext["until"]
            elif "param" in ext:
                table["days"] = ext["param"]
            else:
                table["days"] = int(ext.get("workingDays") or ext.get("calendarDays") or 1)
            table["calendar"] = ext.get("calendar", "working")
            table["actor"] = ext.get("actor") or actor or FALLBACK_ROLE
            if ext.get("remindBefore"):
                table["remind_before"] = [int(d) for d in ext["remindBefore"].split()]
            for key, attr in (("escalate_to", "escalateTo"), ("on_expiry", "onExpiry")):
                if ext.get(attr):
                    table[key] = ext[attr]
            return table
        definition = event.find(_m("timerEventDefinition"))
        duration = definition.find(_m("timeDuration")) if definition is not None else None
        text = (duration.text or "").strip().strip("\"'") if duration is not None else ""
        found = re.fullmatch(r"P(?:(\d+)W|(\d+)D)", text.upper())
        if not found:
            self.problem(
                f"Таймер {event.get('id')}: «{text or 'дата или цикл'}» — не срок в днях (ISO 8601 PnD или PnW); "
                "срок не перенесён."
            )
            return None
        days = int(found.group(1)) * 7 if found.group(1) else int(found.group(2))
        self.problem(
            f"Таймер {event.get('id')}: {days} календарных дней без rf:deadline — записаны как calendar = "
            '"calendar"; для рабочих дней поменяйте на "working".'
        )
        return {"days": days, "calendar": "calendar", "actor": actor or FALLBACK_ROLE}


def _process_of(root: ET.Element, problems: list[str]) -> ET.Element | None:
    processes = root.findall(_m("process"))
    if not processes:
        return None
    chosen = next((p for p in processes if p.get("isExecutable") == "true"), processes[0])
    for other in processes:
        if other is not chosen:
            problems.append(
                f"Процесс {other.get('id')}: в файле несколько процессов, перенесён только {chosen.get('id')}."
            )
    return chosen


def import_bpmn(content: bytes, *, subject: str | None = None, subjects: set[str] | None = None) -> ImportResult:
    """The BPMN document as workflow TOML, what could not be mapped, and what the
    definition loader finds wrong with the result (checking the subject against
    `subjects` when given). `subject` names the kind of case when the file does not."""
    problems: list[str] = []
    try:
        # The standard library's expat refuses entity expansion bombs and fetches no
        # external entities, so an uploaded file cannot reach the network or the disk.
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        return ImportResult("", [f"Файл не читается как XML: {exc}."])
    if _local(root.tag) != "definitions" or not root.tag.startswith(f"{{{MODEL}}}"):
        return ImportResult("", ["Это не документ BPMN 2.0 (нет bpmn:definitions)."])
    process = _process_of(root, problems)
    if process is None:
        return ImportResult("", ["В файле нет ни одного процесса (bpmn:process)."])
    r = _Reader(process, problems)
    r.read_states()
    for element in process:
        kind = _local(element.tag)
        if kind == "subProcess" and element.get("triggeredByEvent") == "true":
            continue  # the case's deadline, read below
        if element.tag.startswith(f"{{{MODEL}}}") and kind not in IGNORED:
            label = element.get("name") or element.get("id")
            problems.append(f"{kind} «{label}»: такого элемента нет в модели процессов reserve-flow — не перенесён.")
    head = _rf(process, "workflow") or {}
    name = head.get("name") or _code(process.get("id", "workflow"))
    workflow: dict = {
        "name": name,
        "subject": subject or head.get("subject") or name,
        "initial": "",
        "label_ru": (process.get("name") or "").strip() or name,
    }
    if not subject and not head.get("subject"):
        problems.append(f"Тип дела (subject) не указан в файле и в --subject: записано «{workflow['subject']}».")
    if head.get("labelEn"):
        workflow["label_en"] = head["labelEn"]

    starts = [e for e in process if _local(e.tag) == "startEvent"]
    if len(starts) != 1:
        problems.append(f"Событий начала: {len(starts)}, нужно одно.")
    for start in starts[:1]:
        out = r.outgoing.get(start.get("id"), [])
        initial = r.target_state(out[0]) if out else None
        if initial is None:
            problems.append("Из события начала поток не ведёт в задачу: начальное состояние не определено.")
        workflow["initial"] = initial or ""

    transitions: list[_Transition] = []
    state_deadlines: dict[str, dict] = {}
    workflow_deadline: dict | None = None
    workflow_expiry: dict[str, _Transition] = {}
    for element in process:
        if _local(element.tag) not in TASKS:
            continue
        source = r.state_of[element.get("id")]
        lane = r.role_of(element.get("id"))
        default_roles = [lane] if lane else []
        if not lane and not all(_rf(f, "transition") for f in r.decisions(element.get("id"))):
            problems.append(
                f"Задача «{r.states[source]['label_ru']}»: не лежит ни в одной дорожке — "
                f"действия отданы роли «{FALLBACK_ROLE}»."
            )
            default_roles = [FALLBACK_ROLE]
        for flow in r.decisions(element.get("id")):
            t = r.transition(flow, source, default_roles)
            if t is not None:
                transitions.append(t)
        for timer in process.findall(_m("boundaryEvent")):
            if timer.get("attachedToRef") != element.get("id"):
                continue
            if timer.find(_m("timerEventDefinition")) is None:
                kinds = ", ".join(_local(c.tag) for c in timer if _local(c.tag).endswith("EventDefinition"))
                problems.append(
                    f"Граничное событие {timer.get('id')} ({kinds or 'без типа'}): не таймер — не перенесено."
                )
                continue
            scope = (_rf(timer, "deadline") or {}).get("scope", "state")
            deadline = r.deadline(timer, lane if lane != "system" else None)
            if deadline is None:
                continue
            interrupting = timer.get("cancelActivity", "true") != "false"
            expiry = None
            if interrupting:
                out = r.outgoing.get(timer.get("id"), [])
                expiry = r.transition(out[0], source, ["system"]) if out else None
                if expiry is not None:
                    if "system" not in expiry.roles:
                        expiry.roles.append("system")
                    deadline["on_expiry"] = expiry.trigger
                    if scope == "workflow":
                        workflow_expiry.setdefault(source, expiry)
                    else:
                        transitions.append(expiry)
                else:
                    problems.append(f"Таймер {timer.get('id')}: прерывающий, но поток из него не ведёт в состояние.")
            if scope == "workflow":
                workflow_deadline = workflow_deadline or deadline
            elif source in state_deadlines:
                problems.append(
                    f"Задача «{r.states[source]['label_ru']}»: второй таймер {timer.get('id')} не перенесён."
                )
            else:
                state_deadlines[source] = deadline
    transitions.extend(workflow_expiry.values())
    for sub in process.findall(_m("subProcess")):
        if sub.get("triggeredByEvent") != "true":
            continue  # reported above as not carried over
        for start in sub.findall(_m("startEvent")):
            if start.find(_m("timerEventDefinition")) is None:
                problems.append(f"Событийный подпроцесс {sub.get('id')}: начинается не таймером — не перенесён.")
                continue
            if start.get("isInterrupting", "true") != "false":
                problems.append(
                    f"Событийный подпроцесс {sub.get('id')}: прерывающий таймер не переносится (нет перехода "
                    "в конечное состояние); срок записан без on_expiry."
                )
            deadline = r.deadline(start, r.role_of(sub.get("id")))
            if deadline is not None and workflow_deadline is None:
                deadline.pop("on_expiry", None)
                workflow_deadline = deadline
    if workflow_deadline is not None:
        workflow["deadline"] = workflow_deadline
    states = {
        name: {**table, **({"deadline": state_deadlines[name]} if name in state_deadlines else {})}
        for name, table in r.states.items()
    }
    text = _toml(workflow, states, _merge(transitions, problems))
    return ImportResult(text, problems, _validate(text, name, subjects))


def _merge(transitions: list[_Transition], problems: list[str]) -> list[_Transition]:
    """One transition per action with its list of sources, as the workflow files write it."""
    merged: dict[tuple, _Transition] = {}
    seen: set[tuple[str, str]] = set()
    for t in transitions:
        for source in t.sources:
            if (t.trigger, source) in seen:
                problems.append(f"Действие «{t.trigger}» из «{source}» нарисовано дважды: оставлено первое.")
                t.sources = [s for s in t.sources if s != source]
            seen.add((t.trigger, source))
        if not t.sources:
            continue
        key = (
            t.trigger,
            t.dest,
            tuple(t.roles),
            tuple(t.guards),
            t.reason_required,
            tuple(t.notify),
            t.label_ru,
            t.label_en,
        )
        if key in merged:
            merged[key].sources.extend(t.sources)
        else:
            merged[key] = t
    return list(merged.values())


def _validate(text: str, name: str, subjects: set[str] | None) -> list[str]:
    with TemporaryDirectory() as folder:
        path = Path(folder) / f"{_code(name)}.toml"
        path.write_text(text, encoding="utf-8")
        definition, problems = load_definition(path, subjects)
    return problems if definition is not None else problems or ["the file cannot be read"]


# --- TOML -------------------------------------------------------------------


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _value(name)


def _table(lines: list[str], header: str, items: Iterable[tuple[str, object]]) -> None:
    lines.append(f"[{header}]")
    lines.extend(f"{key} = {_value(value)}" for key, value in items if value not in ("", None, [], False))


def _toml(workflow: dict, states: dict[str, dict], transitions: list[_Transition]) -> str:
    lines = [
        "# Imported from BPMN by `reserve-flow workflows import`; check it with `reserve-flow workflows check`.",
        "",
    ]
    deadline = workflow.pop("deadline", None)
    _table(lines, "workflow", workflow.items())
    if deadline:
        lines.append("")
        _table(lines, "workflow.deadline", deadline.items())
    for name, table in states.items():
        lines.append("")
        state_deadline = table.pop("deadline", None)
        _table(lines, f"states.{_key(name)}", table.items())
        if state_deadline:
            _table(lines, f"states.{_key(name)}.deadline", state_deadline.items())
    for t in transitions:
        lines.append("")
        lines.append("[[transitions]]")
        items = [
            ("trigger", t.trigger),
            ("source", t.sources[0] if len(t.sources) == 1 else t.sources),
            ("dest", t.dest),
            ("roles", t.roles),
            ("guards", t.guards),
            ("reason_required", t.reason_required),
            ("notify", t.notify),
            ("label_ru", t.label_ru),
            ("label_en", t.label_en),
        ]
        lines.extend(f"{key} = {_value(value)}" for key, value in items if value not in ("", None, [], False))
    return "\n".join(lines) + "\n"
