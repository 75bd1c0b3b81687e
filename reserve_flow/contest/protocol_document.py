"""The commission meeting's protocol as DOCX (python-docx) and PDF (fpdf2).

Both files are rendered from one list of blocks built from ProtocolContent, so that
they say the same words. The PDF embeds PT Sans (ParaType's typeface made for Russian
documents, shipped on PyPI as fontpkg-pt-sans), so Cyrillic shows and can be searched
and extracted; the DOCX names Times New Roman and leaves the rendering to the reader.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos


@dataclass(frozen=True)
class Attendee:
    name: str
    role: str  # "председатель комиссии", "член комиссии", "секретарь комиссии"
    present: bool


@dataclass(frozen=True)
class RecusalLine:
    member: str
    applicant: str
    comment: str


@dataclass(frozen=True)
class ApplicationLine:
    applicant: str
    means: list[str]  # per criterion, formatted ("8,50" or "—")
    total: str
    votes_for: list[str]  # names of members who voted for inclusion
    votes_against: list[str]
    casting_vote: str  # "за" / "против" / "" (the chair's casting vote on a tie)
    decision: str  # "включить в резерв" / "не включать в резерв" / "решение не принято"
    why: str  # how the majority rule gave the decision


@dataclass(frozen=True)
class ProtocolContent:
    number: int
    issued_on: date
    meeting_date: date
    contest_title: str
    commission_size: int
    quorum: int
    attendees: list[Attendee]
    criteria: list[tuple[str, int, float]]  # name, maximum score, weight
    applications: list[ApplicationLine]
    recusals: list[RecusalLine]
    included: list[tuple[str, date]]  # name, end of the reserve term
    not_included: list[str]
    chair: str
    secretary: str
    # «Журнал аудита: событие № N, хеш …»: the chain head when the protocol was generated,
    # so a later rewrite of the chain contradicts the paper copy.
    audit_head: str = ""

    @property
    def title(self) -> str:
        return f"Протокол № {self.number} от {_day(self.issued_on)}"


def _day(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _number(value: float) -> str:
    """A weight or mean the Russian way: 2 -> "2", 1.5 -> "1,5"."""
    return f"{value:g}".replace(".", ",")


# Blocks: ("title" | "center" | "heading" | "para", text), ("list", [items]),
# ("table", header, rows, relative widths), ("signature", role, name), ("footer", text).
Block = tuple


def blocks(c: ProtocolContent) -> list[Block]:
    present = [a for a in c.attendees if a.present]
    absent = [a for a in c.attendees if not a.present]
    out: list[Block] = [
        ("title", f"ПРОТОКОЛ № {c.number}"),
        (
            "center",
            "заседания конкурсной комиссии по формированию кадрового резерва руководителей образовательных организаций",
        ),
        ("center", f"от {_day(c.issued_on)}"),
        ("para", f"Конкурс: «{c.contest_title}»."),
        ("para", f"Дата заседания: {_day(c.meeting_date)}."),
        (
            "para",
            f"Состав комиссии: {c.commission_size} чел.; кворум — {c.quorum} чел. Присутствуют {len(present)} чел.",
        ),
        ("heading", f"Присутствовали ({len(present)}):"),
        ("list", [f"{a.name} — {a.role}" for a in present] or ["нет"]),
        ("heading", f"Отсутствовали ({len(absent)}):"),
        ("list", [f"{a.name} — {a.role}" for a in absent] or ["нет"]),
        ("heading", "Заявления о конфликте интересов (самоотводы):"),
        ("list", [f"{r.member} — по кандидатуре {r.applicant}: {r.comment}" for r in c.recusals] or ["не заявлялись"]),
        ("heading", "1. Результаты оценки кандидатов"),
        (
            "para",
            "Балл по критерию — средний балл членов комиссии, не заявивших самоотвод; итоговый "
            "балл — сумма средних баллов, умноженных на вес критерия.",
        ),
        (
            "table",
            ["№", "Кандидат"]
            + [f"{name} (макс. {top}, вес {_number(weight)})" for name, top, weight in c.criteria]
            + ["Итоговый балл"],
            [[str(i), a.applicant, *a.means, a.total] for i, a in enumerate(c.applications, start=1)],
            [1, 4] + [3] * len(c.criteria) + [2],
        ),
        ("heading", "2. Результаты голосования"),
        (
            "table",
            ["Кандидат", "«За»", "«Против»", "Решающий голос председателя", "Решение"],
            [
                [a.applicant, str(len(a.votes_for)), str(len(a.votes_against)), a.casting_vote or "—", a.decision]
                for a in c.applications
            ],
            [4, 1, 1, 2, 3],
        ),
    ]
    for a in c.applications:
        out.append(
            (
                "para",
                f"{a.applicant}: «за» — {', '.join(a.votes_for) or 'нет'}; "
                f"«против» — {', '.join(a.votes_against) or 'нет'}. {a.why[:1].upper()}{a.why[1:]}.",
            )
        )
    out += [
        ("heading", "3. Решение комиссии"),
        ("para", "Включить в кадровый резерв руководителей образовательных организаций:"),
        (
            "list",
            [f"{name} (срок пребывания в резерве — до {_day(term_end)})" for name, term_end in c.included] or ["нет"],
        ),
        ("para", "Не включать в кадровый резерв:"),
        ("list", c.not_included or ["нет"]),
        ("signature", "Председатель комиссии", c.chair),
        ("signature", "Секретарь комиссии", c.secretary),
    ]
    if c.audit_head:
        out.append(("footer", c.audit_head))
    return out


def render_docx(content: ProtocolContent) -> bytes:
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    document.core_properties.title = content.title
    for block in blocks(content):
        kind = block[0]
        if kind in ("title", "center"):
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(block[1])
            run.bold = kind == "title"
            if kind == "title":
                run.font.size = Pt(14)
        elif kind == "heading":
            document.add_paragraph().add_run(block[1]).bold = True
        elif kind == "para":
            document.add_paragraph(block[1])
        elif kind == "list":
            for item in block[1]:
                document.add_paragraph(f"– {item}")
        elif kind == "table":
            _, header, rows, _widths = block
            table = document.add_table(rows=1, cols=len(header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = ""
                cell.paragraphs[0].add_run(text).bold = True
            for row in rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
            document.add_paragraph()
        elif kind == "signature":
            document.add_paragraph(f"{block[1]} ____________________ / {block[2]} /")
        elif kind == "footer":
            document.add_paragraph()
            document.add_paragraph().add_run(block[1]).font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _font_files() -> tuple[Path, Path]:
    import fontpkg_pt_sans

    files = Path(fontpkg_pt_sans.ROOT) / "files"
    return files / "PT_Sans-Web-Regular.ttf", files / "PT_Sans-Web-Bold.ttf"


def render_pdf(content: ProtocolContent) -> bytes:
    pdf = FPDF(format="A4")
    regular, bold = _font_files()
    pdf.add_font("PTSans", "", regular)
    pdf.add_font("PTSans", "B", bold)
    pdf.set_title(content.title)
    pdf.set_margins(20, 15, 15)
    pdf.add_page()
    line = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    for block in blocks(content):
        kind = block[0]
        if kind == "title":
            pdf.set_font("PTSans", "B", 14)
            pdf.multi_cell(0, 7, block[1], align="C", **line)
        elif kind == "center":
            pdf.set_font("PTSans", "", 11)
            pdf.multi_cell(0, 5.5, block[1], align="C", **line)
        elif kind == "heading":
            pdf.ln(2)
            pdf.set_font("PTSans", "B", 11)
            pdf.multi_cell(0, 5.5, block[1], align="L", **line)
        elif kind == "para":
            pdf.set_font("PTSans", "", 11)
            pdf.multi_cell(0, 5.5, block[1], align="L", **line)
        elif kind == "list":
            pdf.set_font("PTSans", "", 11)
            for item in block[1]:
                pdf.multi_cell(0, 5.5, f"– {item}", align="L", **line)
        elif kind == "table":
            _, header, rows, widths = block
            pdf.set_font("PTSans", "", 9)
            with pdf.table(col_widths=widths, line_height=4.5, text_align="LEFT") as table:
                for cells in [header, *rows]:
                    row = table.row()
                    for text in cells:
                        row.cell(text)
            pdf.ln(2)
        elif kind == "signature":
            pdf.ln(6)
            pdf.set_font("PTSans", "", 11)
            pdf.multi_cell(0, 5.5, f"{block[1]} ____________________ / {block[2]} /", align="L", **line)
        elif kind == "footer":
            pdf.ln(8)
            pdf.set_font("PTSans", "", 7)
            pdf.multi_cell(0, 3.5, block[1], align="L", **line)
    return bytes(pdf.output())
