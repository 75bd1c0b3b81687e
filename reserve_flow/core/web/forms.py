"""What every domain's forms share: a FlaskForm that speaks Russian, and the two things a
view needs after a refused submit: the reason to show, and what the user typed, to show
it again.

A form that fails validation (a bad date, a number that is not one) is answered like a
refusal of the service: 400, the page again with the message and the input kept, and
nothing written.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import IntegerField, TextAreaField
from wtforms.meta import DefaultMeta
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput

from reserve_flow.core.files.storage import clean_filename


class UploadField(FileField):
    """The one file input of every upload form: the file name the browser sent is cleaned
    as it comes in (core/files/storage.py's clean_filename: no NUL, line breaks or
    right-to-left overrides, no folders), so no service ever sees, stores or sends it raw."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, FileStorage) and self.data.filename:
            self.data.filename = clean_filename(self.data.filename)


class RussianForm(FlaskForm):
    """A form whose built-in validation messages (a bad date, a bad number) are Russian:
    WTForms ships the translations; Flask-WTF would look for Flask-Babel instead."""

    class Meta:
        locales = ("ru",)

        def get_translations(self, form):
            return DefaultMeta.get_translations(self, form)


class VersionForm(RussianForm):
    """A step on an object the page was rendered from: the version it showed. A form
    without one was not sent by the page (views answer 400 without a message)."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class FireForm(VersionForm):
    """An action button of a workflow (core/_workflow.html action_forms): the version, and
    the reason when the transition asks for one (the engine says when it is missing)."""

    reason = TextAreaField()


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


def stale(form: FlaskForm) -> bool:
    """The form could not have come from the page: no CSRF token or no version."""
    return any(getattr(form, name).errors for name in ("csrf_token", "version") if hasattr(form, name))


def error_text(form: FlaskForm) -> str:
    """The validation errors as one Russian sentence per field, naming the field."""
    parts = []
    for field in form:
        for message in field.errors:
            label = field.label.text if field.label and field.label.text != field.name else ""
            parts.append(f"{label}: {message}" if label else str(message))
    return " ".join(parts)


def kept(form: FlaskForm) -> dict[str, str]:
    """What the user posted, by the field's posted name, as they typed it (a bad date
    stays as typed): the page shows it again after a refusal. Files are not kept."""
    return {
        field.name: field.raw_data[0]
        for field in form
        if field.raw_data
        and isinstance(field.raw_data[0], str)
        and not isinstance(field, FileField)
        and field.name != "csrf_token"
    }
