"""The contest's API: contests, applications and their documents' metadata, the document
check, the commission's scores, meeting attendance and votes; and the contest and
application workflows in the generic case shape (core/api/workflows.py).

Every view calls the service its page calls, with the page's access rule: an object the
caller may not see is 404, as on the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from flask import Blueprint
from flask_wtf.file import FileRequired
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response
from wtforms import StringField
from wtforms.validators import InputRequired

from reserve_flow.contest import access as contest_access
from reserve_flow.contest.models.contests import Application, Contest
from reserve_flow.contest.services import applicants, applications, commission, contests, documents
from reserve_flow.core.api import api_blueprint, spec
from reserve_flow.core.api.auth import actor, multipart
from reserve_flow.core.api.problems import ApiProblem, Problem
from reserve_flow.core.api.schemas import Done, Moved, PageOf, PageQuery, State, paginate
from reserve_flow.core.api.workflows import register_workflow_api
from reserve_flow.core.web import MAX_ID, db, runtime, workflow_ui
from reserve_flow.core.web.forms import RussianForm, UploadField

bp = api_blueprint(Blueprint("contest_api", __name__, url_prefix="/api/v1"))

READ = {f"HTTP_{code}": Problem for code in (401, 403, 404)}
WRITE = {**READ, "HTTP_409": Problem, "HTTP_422": Problem}


# --- shapes ---


class Criterion(BaseModel):
    id: int
    name: str
    max_score: int
    weight: float


class DocumentKind(BaseModel):
    code: str
    title: str
    mandatory: bool


class Seat(BaseModel):
    user_id: int
    full_name: str
    role: str


class ContestOut(BaseModel):
    id: int
    title: str
    state: State
    version: int
    accept_from: date
    accept_to: date
    organization_kinds: str
    required_education: str
    min_teaching_years: int
    min_management_years: int
    criteria: list[Criterion]
    document_kinds: list[DocumentKind]
    commission: list[Seat] = Field(description="Состав комиссии: виден комиссии и администратору")


class ContestPage(PageOf):
    items: list[ContestOut]


class ContestQuery(PageQuery):
    state: str | None = Field(None, max_length=40)


class DocumentOut(BaseModel):
    id: int
    application_id: int
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    review_status: str
    review_reason: str | None


class Person(BaseModel):
    id: int
    full_name: str


class ApplicationOut(BaseModel):
    id: int
    contest_id: int
    contest_title: str
    applicant: Person
    state: State
    version: int
    created_at: datetime
    consent_given_at: datetime | None
    documents: list[DocumentOut]


class ApplicationPage(PageOf):
    items: list[ApplicationOut]


class ApplicationQuery(PageQuery):
    state: str | None = Field(None, max_length=40)
    contest_id: int | None = Field(None, ge=1, le=MAX_ID)


class NewApplication(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contest_id: int = Field(ge=1, le=MAX_ID)


class UploadIn(BaseModel):
    """multipart/form-data: the kind of document (a code of the contest's list) and the file."""

    kind: str = Field(max_length=40)
    file: bytes = Field(json_schema_extra={"format": "binary"})


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["admit", "return_for_fix", "refuse"]
    version: int = Field(ge=0, le=MAX_ID)
    reasons: dict[int, str] = Field(default_factory=dict, description="return_for_fix: id документа → что исправить")
    requirement: str = Field("", max_length=60, description="refuse: код невыполненного требования")
    comment: str = Field("", max_length=4000)


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    criterion_id: int = Field(ge=1, le=MAX_ID)
    value: int = Field(ge=0, le=1000)
    comment: str = Field("", max_length=4000)


class ScoresIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: list[ScoreIn] = Field(max_length=100)


class ScoreOut(BaseModel):
    criterion_id: int
    value: int
    comment: str
    scored_at: datetime


class ScoresOut(BaseModel):
    application_id: int
    state: State
    scores: list[ScoreOut] = Field(description="Оценки вызывающего члена комиссии")


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choice: Literal["include", "not_include"]


class RecusalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(min_length=1, max_length=4000)


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    present: list[int] = Field(max_length=100, description="Кто из комиссии присутствует (id пользователей)")


class CloseVoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0, le=MAX_ID)
    casting_vote: Literal["include", "not_include"] | None = None


# --- what a caller may see ---


def _contest_visible(user, contest_id: int) -> Contest:
    """A contest the commission or an administrator sees, or one an applicant may apply to now."""
    rt, session = runtime(), db()
    try:
        return contests.get_visible(session, user, contest_id)
    except contests.ContestNotFound:
        if user.has_role("applicant"):
            for contest in applicants.accepting_contests(rt, session):
                if contest.id == contest_id:
                    return contest
        raise


def contest_out(contest: Contest, user) -> ContestOut:
    rt = runtime()
    seats = []
    if contest_access.may_view_contest(user, contest):
        seats = [Seat(user_id=u.id, full_name=u.full_name, role=role) for u, role in commission.ordered_seats(contest)]
    return ContestOut(
        id=contest.id,
        title=contest.title,
        state=State(code=contest.state, label=workflow_ui.state_label(rt, contest)),
        version=contest.version,
        accept_from=contest.accept_from,
        accept_to=contest.accept_to,
        organization_kinds=contest.organization_kinds,
        required_education=contest.required_education,
        min_teaching_years=contest.min_teaching_years,
        min_management_years=contest.min_management_years,
        criteria=[Criterion(id=c.id, name=c.name, max_score=c.max_score, weight=c.weight) for c in contest.criteria],
        document_kinds=[
            DocumentKind(code=k.code, title=k.title, mandatory=k.mandatory) for k in contest.document_kinds
        ],
        commission=seats,
    )


def document_out(d) -> DocumentOut:
    return DocumentOut(
        id=d.id,
        application_id=d.application_id,
        kind=d.kind_code,
        name=d.original_name,
        content_type=d.content_type,
        size=d.size,
        sha256=d.sha256,
        uploaded_at=d.uploaded_at,
        review_status=d.review_status,
        review_reason=d.review_reason,
    )


def application_out(a: Application) -> ApplicationOut:
    return ApplicationOut(
        id=a.id,
        contest_id=a.contest_id,
        contest_title=a.contest.title,
        applicant=Person(id=a.applicant.id, full_name=a.applicant.full_name),
        state=State(code=a.state, label=workflow_ui.state_label(runtime(), a)),
        version=a.version,
        created_at=a.created_at,
        consent_given_at=a.consent_given_at,
        documents=[document_out(d) for d in sorted(a.documents, key=lambda d: d.id)],
    )


# --- contests ---


@bp.get("/contests")
@spec.validate(
    query=ContestQuery, resp=Response(HTTP_200=ContestPage, **READ), tags=["contests"], operation_id="listContests"
)
def list_contests(query: ContestQuery):
    """Contests the caller sees: those whose commission they sit on (all, for an
    administrator) and, for an applicant, those accepting applications now."""
    rt, session, user = runtime(), db(), actor()
    found = {c.id: c for c in contests.visible_contests(session, user)}
    if user.has_role("applicant"):
        found.update({c.id: c for c in applicants.accepting_contests(rt, session)})
    items = [contest_out(c, user) for c in sorted(found.values(), key=lambda c: c.id)]
    if query.state:
        items = [c for c in items if c.state.code == query.state]
    return ContestPage(**paginate(items, query))


@bp.get("/contests/<int:contest_id>")
@spec.validate(resp=Response(HTTP_200=ContestOut, **READ), tags=["contests"], operation_id="getContest")
def get_contest(contest_id: int):
    """One contest: dates, requirements, criteria, the documents asked for and, for the commission, its members."""
    user = actor()
    return contest_out(_contest_visible(user, contest_id), user)


@bp.put("/contests/<int:contest_id>/attendance")
@spec.validate(
    json=AttendanceIn, resp=Response(HTTP_200=Done, **WRITE), tags=["commission"], operation_id="markAttendance"
)
def mark_attendance(contest_id: int, json: AttendanceIn):
    """The secretary marks who of the commission is present at the meeting (the rest: absent)."""
    commission.mark_attendance(runtime(), db(), actor(), contest_id, set(json.present))
    return Done(detail="Присутствие на заседании отмечено.")


# --- applications ---


@bp.get("/applications")
@spec.validate(
    query=ApplicationQuery,
    resp=Response(HTTP_200=ApplicationPage, **READ),
    tags=["applications"],
    operation_id="listApplications",
)
def list_applications(query: ApplicationQuery):
    """Applications the caller sees: their own; the commission, its contests' submitted
    ones; an administrator, all."""
    items = applications.visible_applications(db(), actor())
    if query.state:
        items = [a for a in items if a.state == query.state]
    if query.contest_id:
        items = [a for a in items if a.contest_id == query.contest_id]
    page = paginate(items, query)
    page["items"] = [application_out(a) for a in page["items"]]
    return ApplicationPage(**page)


@bp.post("/applications")
@spec.validate(
    json=NewApplication,
    resp=Response(HTTP_201=ApplicationOut, **WRITE),
    tags=["applications"],
    operation_id="createApplication",
)
def create_application(json: NewApplication):
    """A draft application of the caller (an applicant with a complete profile) to a contest accepting applications."""
    rt, session = runtime(), db()
    made = applicants.create_application(rt, session, actor(), json.contest_id)
    return application_out(applications.get_visible(session, actor(), made.id)), 201


@bp.get("/applications/<int:application_id>")
@spec.validate(resp=Response(HTTP_200=ApplicationOut, **READ), tags=["applications"], operation_id="getApplication")
def get_application(application_id: int):
    """One application with its documents' metadata. Opening someone else's is logged as a personal-file access."""
    rt, session, user = runtime(), db(), actor()
    application = applications.get_visible(session, user, application_id)
    applications.record_view(rt, session, application, user)
    return application_out(application)


class UploadForm(RussianForm):
    """The upload's multipart fields, read through WTForms as the pages read theirs."""

    class Meta:
        csrf = False  # the API's own authentication (core/api/auth.py) stands for the form token

    kind = StringField(validators=[InputRequired(message="Укажите вид документа (kind).")])
    file = UploadField(validators=[FileRequired(message="Приложите файл (file).")])


@bp.get("/applications/<int:application_id>/documents")
@spec.validate(resp=Response(HTTP_200=list[DocumentOut], **READ), tags=["applications"], operation_id="listDocuments")
def list_documents(application_id: int):
    """The application's documents' metadata (the files themselves are on the case page)."""
    application = applications.get_visible(db(), actor(), application_id)
    return [document_out(d) for d in sorted(application.documents, key=lambda d: d.id)]


@bp.post("/applications/<int:application_id>/documents")
@multipart
@spec.validate(
    form=UploadIn,
    resp=Response(HTTP_201=DocumentOut, HTTP_413=Problem, **WRITE),
    tags=["applications"],
    operation_id="uploadDocument",
    skip_validation=True,
)
def upload_document(application_id: int):
    """Add a document of a kind the contest asks for to the caller's draft (or returned) application."""
    form = UploadForm()
    if not form.validate():
        errors = [{"field": f.name, "message": str(m)} for f in form for m in f.errors]
        raise ApiProblem(422, " ".join(e["message"] for e in errors), kind="invalid", errors=errors)
    upload = form.file.data
    made = documents.upload(
        runtime(), db(), actor(), application_id, form.kind.data, upload.stream, upload.filename or "file"
    )
    return document_out(made), 201


@bp.post("/applications/<int:application_id>/consent")
@spec.validate(resp=Response(HTTP_200=ApplicationOut, **WRITE), tags=["applications"], operation_id="giveConsent")
def give_consent(application_id: int):
    """The applicant's consent to the processing of personal data, for their own application before submission."""
    rt, session, user = runtime(), db(), actor()
    application = applications.get_visible(session, user, application_id)
    if application.applicant_id != user.id:
        raise applications.ApplicationNotFound(application_id)
    applicants.record_consent(rt, session, user, application)
    return application_out(applications.get_visible(session, user, application_id))


# --- the document check ---


def _check(rt, session, user, application_id: int, decision: str, version: int, data: dict[str, Any], reason):
    comment = (reason or data.get("comment") or "").strip()
    if decision == "admit":
        return applications.admit(rt, session, application_id, user, version)
    if decision == "return_for_fix":
        raw = data.get("reasons") or {}
        try:
            reasons = {int(k): str(v) for k, v in dict(raw).items()}
        except (TypeError, ValueError):
            raise ApiProblem(
                422,
                "reasons — объект: id документа → что исправить.",
                kind="invalid",
                errors=[{"field": "data.reasons", "message": "Нужен объект: id документа → текст."}],
            ) from None
        return applications.return_for_fix(rt, session, application_id, user, version, reasons, comment)
    return applications.refuse(rt, session, application_id, user, version, str(data.get("requirement") or ""), comment)


@bp.post("/applications/<int:application_id>/check")
@spec.validate(json=CheckIn, resp=Response(HTTP_200=Moved, **WRITE), tags=["check"], operation_id="checkDocuments")
def check_documents(application_id: int, json: CheckIn):
    """The secretary's decision on a submitted application, as on the check page: admit
    (every document accepted), return for correction (a reason per document or a comment),
    or refuse (the requirement not met)."""
    rt, session, user = runtime(), db(), actor()
    data = {"reasons": json.reasons, "requirement": json.requirement, "comment": json.comment}
    event = _check(rt, session, user, application_id, json.decision, json.version, data, json.comment)
    return _moved(application_id, json.decision, event)


def _moved(application_id: int, trigger: str, event=None) -> Moved:
    rt = runtime()
    application = applications.get_visible(db(), actor(), application_id)
    return Moved(
        id=application.id,
        workflow="application",
        trigger=trigger,
        state=State(code=application.state, label=workflow_ui.state_label(rt, application)),
        version=application.version,
        event_id=getattr(event, "id", None),
    )


# --- the commission: scores, recusals, votes ---


def _my_scores(application_id: int) -> ScoresOut:
    session, user = db(), actor()
    application = commission.get_application(session, user, application_id)
    view = commission.application_view(session, user, application)
    return ScoresOut(
        application_id=application.id,
        state=State(code=application.state, label=workflow_ui.state_label(runtime(), application)),
        scores=[
            ScoreOut(criterion_id=s.criterion_id, value=s.value, comment=s.comment, scored_at=s.scored_at)
            for s in sorted(view.my_scores.values(), key=lambda s: s.criterion_id)
        ],
    )


@bp.get("/applications/<int:application_id>/scores")
@spec.validate(resp=Response(HTTP_200=ScoresOut, **READ), tags=["commission"], operation_id="getMyScores")
def get_scores(application_id: int):
    """The caller's own scores of the application (a commission member's)."""
    return _my_scores(application_id)


@bp.put("/applications/<int:application_id>/scores")
@spec.validate(
    json=ScoresIn, resp=Response(HTTP_200=ScoresOut, **WRITE), tags=["commission"], operation_id="recordScores"
)
def put_scores(application_id: int, json: ScoresIn):
    """A member scores every criterion, all or none; correctable until the assessment is
    complete, which happens by itself once every member expected to score has scored."""
    form = {s.criterion_id: (str(s.value), s.comment) for s in json.scores}
    commission.record_scores(runtime(), db(), actor(), application_id, form)
    return _my_scores(application_id)


@bp.post("/applications/<int:application_id>/recusal")
@spec.validate(
    json=RecusalIn, resp=Response(HTTP_201=Done, **WRITE), tags=["commission"], operation_id="declareRecusal"
)
def declare_recusal(application_id: int, json: RecusalIn):
    """A member declares a conflict of interest and takes no part in scoring or voting on this application."""
    commission.declare_recusal(runtime(), db(), actor(), application_id, json.comment)
    return Done(detail="Самоотвод заявлен."), 201


@bp.post("/applications/<int:application_id>/votes")
@spec.validate(json=VoteIn, resp=Response(HTTP_201=Done, **WRITE), tags=["commission"], operation_id="castVote")
def cast_vote(application_id: int, json: VoteIn):
    """One vote, include or not, by a member present at the meeting and not recused."""
    commission.cast_vote(runtime(), db(), actor(), application_id, json.choice)
    return Done(detail="Голос учтён."), 201


@bp.post("/applications/<int:application_id>/vote/close")
@spec.validate(json=CloseVoteIn, resp=Response(HTTP_200=Moved, **WRITE), tags=["commission"], operation_id="closeVote")
def close_vote(application_id: int, json: CloseVoteIn):
    """The chair closes the vote: the tally decides include or not_include (the chair's
    casting vote on a tie); an inclusion makes the reserve membership."""
    trigger = commission.close_vote(runtime(), db(), actor(), application_id, json.version, json.casting_vote)
    return _moved(application_id, trigger)


# --- the workflows in the generic shape ---


def _fire_application(rt, session, user, subject_id, trigger, reason, version, data):
    return applications.fire_application(rt, session, subject_id, trigger, user, reason, version)


def _check_step(rt, session, user, subject_id, trigger, reason, version, data):
    return _check(rt, session, user, subject_id, trigger, version, data, reason)


def _close_vote(rt, session, user, subject_id, trigger, reason, version, data):
    # The tally decides which of include / not_include is fired (the vote's own rule).
    return commission.close_vote(rt, session, user, subject_id, version, data.get("casting_vote"))


def _assess(rt, session, user, subject_id, trigger, reason, version, data):
    return commission.complete_assessment(rt, session, user, subject_id, version)


def _open_vote(rt, session, user, subject_id, trigger, reason, version, data):
    return commission.open_vote(rt, session, user, subject_id, version)


register_workflow_api(
    "application",
    load=lambda rt, session, user, subject_id: applications.get_visible(session, user, subject_id),
    fire=_fire_application,
    viewed=lambda rt, session, user, application: applications.record_view(rt, session, application, user),
    own_pages={
        "admit": _check_step,
        "return_for_fix": _check_step,
        "refuse": _check_step,
        "assess": _assess,
        "open_vote": _open_vote,
        "include": _close_vote,
        "not_include": _close_vote,
    },
)


def _fire_contest(rt, session, user, subject_id, trigger, reason, version, data):
    return contests.fire_contest(rt, session, user, subject_id, trigger, reason, version)


def _extend_acceptance(rt, session, user, subject_id, trigger, reason, version, data):
    try:
        new_end = date.fromisoformat(str(data.get("accept_to", "")))
    except ValueError:
        raise ApiProblem(
            422,
            "Укажите новую дату окончания приёма: data.accept_to в формате ГГГГ-ММ-ДД.",
            kind="invalid",
            errors=[{"field": "data.accept_to", "message": "Нужна дата в формате ГГГГ-ММ-ДД."}],
        ) from None
    return contests.extend_acceptance(rt, session, subject_id, user, new_end, reason or "", version)


register_workflow_api(
    "contest",
    load=lambda rt, session, user, subject_id: contests.get_visible(session, user, subject_id),
    fire=_fire_contest,
    own_pages={"extend_acceptance": _extend_acceptance},
)
