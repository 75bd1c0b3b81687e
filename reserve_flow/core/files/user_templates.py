"""Word templates a user supplies (docxtpl: Jinja placeholders inside a DOCX), rendered
only in Jinja's immutable sandbox with nothing but the documented fields.

Every user-supplied template in the service is rendered here and nowhere else. The
environment has no globals (no `range`, `cycler`, `lipsum`...), a short list of harmless
filters and no template loader; every text it parses (the body, headers, footers,
footnotes and the document's properties, which docxtpl all renders) is first walked for
what a placeholder has no business doing: reaching an attribute or key that starts with
"_" (the way out to Python's internals), naming a field that is not documented, using
another filter, importing or including. Such a template is refused with a Russian
message — when it is uploaded and again each time it is rendered — and the sandbox
stands behind the walk for whatever it does not foresee.
"""

from __future__ import annotations

import io
import operator
from collections.abc import Collection, Mapping
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from jinja2 import meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

# Filters a field may pass through: text case and trimming, a default, escaping, numbers.
ALLOWED_FILTERS = frozenset({"upper", "lower", "capitalize", "title", "trim", "default", "d", "e", "escape", "int"})
# Longest text or list one `*` may build, and the largest exponent of `**`: a template
# that multiplies its way to gigabytes is refused instead of taking the server's memory.
MAX_PRODUCT = 10_000
MAX_EXPONENT = 64
_FORBIDDEN_TAGS = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


class TemplateRefused(ValueError):
    """The template may not be used; str() is the Russian reason."""


def _field_list(fields: Collection[str]) -> str:
    return ", ".join(fields)


class FieldsOnlyEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with the documented fields as the only names a template may use."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, fields: Collection[str]) -> None:
        # Strict: a misspelt placeholder fails loudly instead of leaving a blank in a legal document.
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=True)
        self.fields = tuple(fields)
        self.globals.clear()
        self.filters = {name: f for name, f in self.filters.items() if name in ALLOWED_FILTERS}

    def parse(self, source: str, name: str | None = None, filename: str | None = None) -> nodes.Template:
        tree = super().parse(source, name, filename)
        self._refuse_unsafe(tree)
        return tree

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> jinja2.Template:
        # docxtpl compiles each part with from_string: parse (and so check) it first.
        if isinstance(source, str):
            source = self.parse(source)
        return super().from_string(source, globals, template_class)

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
                raise SecurityError("exponent too large")
            return operator.pow(left, right)
        for sequence, times in ((left, right), (right, left)):
            repeats = isinstance(sequence, (str, list, tuple)) and isinstance(times, int)
            if repeats and len(sequence) * times > MAX_PRODUCT:
                raise SecurityError("product too long")
        return operator.mul(left, right)

    def _refuse_unsafe(self, tree: nodes.Template) -> None:
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            key = node.attr if isinstance(node, nodes.Getattr) else _constant(node.arg)
            if isinstance(key, str) and key.startswith("_"):
                raise TemplateRefused(
                    f"В шаблоне недопустимое выражение: обращение к «{key}». "
                    "Шаблон может только вставлять поля, например {{ full_name }}."
                )
        for node in tree.find_all(_FORBIDDEN_TAGS):
            raise TemplateRefused(
                "В шаблоне недопустимая команда: шаблон не может подключать другие шаблоны "
                f"(строка {node.lineno}). Оставьте в нём только поля."
            )
        for node in tree.find_all(nodes.Filter):
            if node.name not in ALLOWED_FILTERS:
                raise TemplateRefused(
                    f"В шаблоне недопустимый фильтр «{node.name}». "
                    f"Допустимые фильтры: {', '.join(sorted(ALLOWED_FILTERS))}."
                )
        unknown = sorted(meta.find_undeclared_variables(tree) - set(self.fields))
        if unknown:
            names = ", ".join(f"«{{{{ {name} }}}}»" for name in unknown)
            raise TemplateRefused(
                f"В шаблоне {'неизвестные поля' if len(unknown) > 1 else 'неизвестное поле'}: "
                f"{names}. Допустимые поля: {_field_list(self.fields)}."
            )


def _constant(node: nodes.Node) -> Any:
    return node.value if isinstance(node, nodes.Const) else None


def render_docx(template: bytes, context: Mapping[str, object], fields: Collection[str]) -> bytes:
    """The DOCX `template` rendered with `context` in the sandbox, where only `fields` exist.
    Raises TemplateRefused when the file is not a Word document, uses anything but the
    fields, has broken markup or tries to leave the sandbox."""
    environment = FieldsOnlyEnvironment(fields)
    try:
        document = DocxTemplate(io.BytesIO(template))
        document.render(dict(context), jinja_env=environment, autoescape=True)
        buffer = io.BytesIO()
        document.save(buffer)
    except TemplateRefused:
        raise
    except SecurityError:
        raise TemplateRefused(
            "В шаблоне недопустимое выражение: шаблон может только вставлять поля, например {{ full_name }}."
        ) from None
    except jinja2.UndefinedError as exc:
        raise TemplateRefused(
            f"В шаблоне неизвестное поле: {_undefined_name(exc)}. Допустимые поля: {_field_list(fields)}."
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateRefused(
            f"В шаблоне ошибка в разметке полей (строка {exc.lineno}): {exc.message}. "
            "Поле записывается так: {{ full_name }}."
        ) from None
    except jinja2.TemplateError:
        raise TemplateRefused("Шаблон не удаётся заполнить: проверьте разметку полей.") from None
    except Exception:  # noqa: BLE001 - any parse failure of a foreign file is the same refusal
        raise TemplateRefused("Файл не открывается как документ Word (DOCX).") from None
    return buffer.getvalue()


def _undefined_name(exc: jinja2.UndefinedError) -> str:
    # Jinja says "'name' is undefined" (or "... has no attribute 'name'").
    text = str(exc.message or "")
    quoted = text.split("'")
    return f"«{{{{ {quoted[-2] if len(quoted) >= 3 else text} }}}}»"
