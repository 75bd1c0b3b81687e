"""Small bar charts drawn on the server as inline SVG (no JavaScript, prints as is):
an indicator's target beside its actual value for each year."""

from __future__ import annotations

from markupsafe import Markup, escape

from reserve_flow.reserve.programme_report import format_number

WIDTH, HEIGHT = 360, 170
TOP, BOTTOM, LEFT, RIGHT = 24, 28, 8, 8
TARGET_FILL, ACTUAL_FILL = "#b8cbe4", "#1f5fa8"


def bars(title: str, unit: str, series: list[tuple[int, float | None, float | None]]) -> Markup:
    """One chart: for each (year, target, actual), two bars; an unknown value has none."""
    values = [v for _, target, actual in series for v in (target, actual) if v is not None]
    top = max(values + [100.0 if unit == "%" else 1.0])
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(series), 1)
    bar = min(28.0, slot / 3)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}, {escape(unit)}</title>",
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" stroke="#999"/>',
    ]
    for index, (year, target, actual) in enumerate(series):
        x0 = LEFT + index * slot + (slot - 2 * bar - 4) / 2
        for offset, value, fill, kind in ((0, target, TARGET_FILL, "цель"), (bar + 4, actual, ACTUAL_FILL, "факт")):
            if value is None:
                continue
            h = plot_height * value / top
            y = HEIGHT - BOTTOM - h
            parts.append(
                f'<rect x="{x0 + offset:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{fill}">'
                f"<title>{year}, {kind}: {format_number(value)} {escape(unit)}</title></rect>"
            )
            parts.append(
                f'<text x="{x0 + offset + bar / 2:.1f}" y="{y - 3:.1f}" font-size="10" '
                f'text-anchor="middle">{format_number(value)}</text>'
            )
        parts.append(
            f'<text x="{x0 + bar + 2:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="11" text-anchor="middle">{year}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
