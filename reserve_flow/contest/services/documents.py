"""An application's documents: upload, replace and delete by the applicant, and opening
a stored file by anyone who may see the application.

What the applicant may change: everything while the application is a draft; once it
is returned for correction, only the documents the secretary returned (all of them,
when the return named none). Every change bumps the application's version, so that a
submit racing with it fails as a conflict instead of submitting an unseen set.
Refusals raise DocumentRefused with a Russian message and leave nothing behind: no row
and no file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy.orm import Session

from reserve_flow.contest import access
from reserve_flow.contest.models.contests import Application, ContestDocumentKind
from reserve_flow.contest.models.documents import ApplicationDocument
from reserve_flow.contest.services.applications import SUBJECT_TYPE, ApplicationNotFound, get_visible
from reserve_flow.core.audit.chain import append_event
from reserve_flow.core.db import bump_version, unit_of_work
from reserve_flow.core.errors import NotFound, Refused
from reserve_flow.core.files import references, storage
from reserve_flow.people.models import User

if TYPE_CHECKING:
    from reserve_flow.runtime import Runtime

# Review statuses the secretary set on a returned application's documents to fix.
TO_FIX = ("returned", "replaced")


class DocumentRefused(Refused):
    """The change is refused; str() is the Russian reason."""


class DocumentForbidden(Refused):
    """The user may see the application but not this file (minimisation: answered 403)."""


class DocumentNotFound(NotFound):
    """No such document on an application the user may see (answered as 404)."""


def uploads_folder(runtime: Runtime) -> Path:
    return runtime.settings.uploads_folder


def _state_label(runtime: Runtime, application: Application) -> str:
    return runtime.workflows.definition_for(application).states[application.state].label_ru


def _own_application(session: Session, user: User, application_id: int) -> Application:
    """The user's own application; anyone else's is 'not found'."""
    application = session.get(Application, application_id)
    if application is None or not access.may_view_own_application(user, application):
        raise ApplicationNotFound(application_id)
    return application


def _document(application: Application, document_id: int) -> ApplicationDocument:
    document = next((d for d in application.documents if d.id == document_id), None)
    if document is None:
        raise DocumentNotFound(document_id)
    return document


def replaceable_ids(application: Application) -> set[int]:
    """Ids of the documents the applicant may replace now."""
    if application.state == "draft":
        return {d.id for d in application.documents}
    if application.state == "returned":
        marked = {d.id for d in application.documents if d.review_status in TO_FIX}
        return marked or {d.id for d in application.documents}
    return set()


def _refuse_unless_editable(runtime: Runtime, application: Application, *, adding: bool = False) -> None:
    if application.state == "draft":
        return
    if application.state == "returned" and not adding:
        return
    if application.state == "returned":
        raise DocumentRefused("После возврата на доработку можно только заменить возвращённые документы.")
    raise DocumentRefused(
        "Документы можно менять только в черновике заявления или после его возврата "
        f"на доработку; сейчас заявление в состоянии «{_state_label(runtime, application)}»."
    )


class _Files:
    """The files one change of an application's documents stored, so that a failed
    change can forget them."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.created: list[str] = []

    def store(self, stream: BinaryIO, filename: str) -> storage.StoredFile:
        try:
            stored = storage.store(
                stream, filename, uploads_folder(self.runtime), self.runtime.settings.upload_max_bytes
            )
        except storage.UploadRejected as exc:
            raise DocumentRefused(str(exc)) from None
        if stored.created:
            self.created.append(stored.sha256)
        return stored


@contextmanager
def _change(runtime: Runtime, session: Session) -> Iterator[_Files]:
    """One change of an application's documents as a unit of work: committed whole at
    the end of the block; on any error rolled back, and the files it stored forgotten
    (unless a row of any kind still refers to the same bytes: core/files/references.py)."""
    files = _Files(runtime)
    try:
        with unit_of_work(session):
            yield files
    except BaseException:
        for sha256 in files.created:
            references.release(session, uploads_folder(runtime), sha256)
        raise


def upload(
    runtime: Runtime, session: Session, user: User, application_id: int, kind_code: str, stream: BinaryIO, filename: str
) -> ApplicationDocument:
    """Add a document of `kind_code` to the user's draft application, and commit."""
    with _change(runtime, session) as change:
        application = _own_application(session, user, application_id)
        kind = next((k for k in application.contest.document_kinds if k.code == kind_code), None)
        if kind is None:
            raise DocumentNotFound(kind_code)
        _refuse_unless_editable(runtime, application, adding=True)
        bump_version(session, application)
        stored = change.store(stream, filename)
        document = ApplicationDocument(
            application_id=application.id,
            kind_code=kind.code,
            original_name=_clean_name(filename),
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_key=stored.storage_key,
            uploaded_at=runtime.now(),
        )
        session.add(document)
    return document


def replace(
    runtime: Runtime,
    session: Session,
    user: User,
    application_id: int,
    document_id: int,
    stream: BinaryIO,
    filename: str,
) -> ApplicationDocument:
    """Put a new file in place of a document, and commit. After a return the old file is
    kept (it is what was submitted) and the replacement is an audit event."""
    with _change(runtime, session) as change:
        application = _own_application(session, user, application_id)
        document = _document(application, document_id)
        _refuse_unless_editable(runtime, application)
        if document.id not in replaceable_ids(application):
            raise DocumentRefused(
                "Этот документ секретарь не возвращал: после возврата заменяются только возвращённые документы."
            )
        bump_version(session, application)
        stored = change.store(stream, filename)
        old_sha = document.sha256
        document.original_name = _clean_name(filename)
        document.content_type = stored.content_type
        document.size = stored.size
        document.sha256 = stored.sha256
        document.storage_key = stored.storage_key
        document.uploaded_at = runtime.now()
        returned = application.state == "returned"
        if returned:
            document.review_status = "replaced"
            append_event(
                session,
                kind="document_replaced",
                actor=user,
                subject_type=SUBJECT_TYPE,
                subject_id=application.id,
                now=runtime.now(),
                data={
                    "document_id": document.id,
                    "kind": document.kind_code,
                    "old_sha256": old_sha,
                    "sha256": stored.sha256,
                },
                personal={"file": document.original_name},
            )
        else:
            document.review_status = "pending"
    if not returned and old_sha != stored.sha256:
        references.release(session, uploads_folder(runtime), old_sha)
    return document


def delete(runtime: Runtime, session: Session, user: User, application_id: int, document_id: int) -> None:
    """Remove a document from the user's draft application, and commit."""
    with unit_of_work(session):
        application = _own_application(session, user, application_id)
        document = _document(application, document_id)
        if application.state != "draft":
            raise DocumentRefused(
                "Удалить документ можно только из черновика; после возврата загрузите вместо него исправленный."
            )
        bump_version(session, application)
        sha256 = document.sha256
        application.documents.remove(document)
    references.release(session, uploads_folder(runtime), sha256)


def _clean_name(filename: str) -> str:
    """The name as shown to people: no folders or control characters, at most 300 characters."""
    return storage.clean_filename(filename)[-300:] or "файл"


def open_document(
    runtime: Runtime, session: Session, user: User, application_id: int, document_id: int
) -> tuple[ApplicationDocument, Path]:
    """The document and its stored file, for someone who may see the application (the
    owner, the contest's commission, an administrator) and may open its kind
    (access.may_open_document_file: a passport or a criminal-record certificate only to the secretary and
    HR). A look by anyone but the owner is a personal-file access: logged with the document named, and committed."""
    application = get_visible(session, user, application_id)
    document = _document(application, document_id)
    if not access.may_view_document(user, application, document):
        raise DocumentNotFound(document_id)
    if not access.may_open_document_file(user, application, document.kind_code):
        raise DocumentForbidden("Этот документ открывают только секретарь комиссии и специалист по кадрам.")
    path = storage.path_of(uploads_folder(runtime), document.storage_key) if document.storage_key else None
    if path is None or not path.is_file():
        raise DocumentNotFound(document_id)
    if application.applicant_id != user.id:
        with unit_of_work(session):
            append_event(
                session,
                kind="personal_file_viewed",
                actor=user,
                subject_type=SUBJECT_TYPE,
                subject_id=application.id,
                now=runtime.now(),
                data={
                    "document_id": document.id,
                    "kind": document.kind_code,
                    "sha256": document.sha256,
                },
                personal={"file": document.original_name},
            )
    return document, path


def kinds_with_documents(application: Application) -> list[tuple[ContestDocumentKind, list[ApplicationDocument]]]:
    """The contest's document kinds in order, each with the application's files of it."""
    by_kind: dict[str, list[ApplicationDocument]] = {}
    for document in sorted(application.documents, key=lambda d: d.id):
        by_kind.setdefault(document.kind_code, []).append(document)
    return [(kind, by_kind.get(kind.code, [])) for kind in application.contest.document_kinds]
