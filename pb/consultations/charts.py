"""Each question's answers as a horizontal bar chart drawn on the server (SVG, no JavaScript), always
beside a table with the same figures."""
from __future__ import annotations

from markupsafe import Markup, escape

from .models import ConsultationQuestion, QuestionKind

BAR = "#1d4f91"


def share(count: int, of: int) -> str:
    return f"{round(100 * count / of)}%" if of else "0%"


def rows_for(question: ConsultationQuestion, figures: dict) -> list[tuple[str, int, int]]:
    """(label, count, out of) per bar: the same rows the table beside the chart shows."""
    answered = figures["answered"]
    options = question.options or []
    if question.kind == QuestionKind.RANK:
        return [(option, figures["first"][i], answered) for i, option in enumerate(options)]
    if question.kind == QuestionKind.SCALE:
        return [(str(score), figures["counts"][score], answered) for score in range(11)]
    rows = [(option, figures["counts"][i], answered) for i, option in enumerate(options)]
    if question.kind == QuestionKind.ABOUT:
        rows.append(("Prefer not to say", figures.get("prefer_not", 0), answered))
    return rows


def question_chart(question: ConsultationQuestion, figures: dict) -> Markup:
    rows = rows_for(question, figures)
    width, row_h, label_h = 600, 46, 18
    height = row_h * len(rows) + 4
    what = "first choices" if question.kind == QuestionKind.RANK else "answers"
    title = f"Question {question.position}: {question.prompt}. {what.capitalize()} of {figures['answered']} people"
    parts = [f'<svg class="answer-chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="chart-{question.id}-title" focusable="false">'
             f'<title id="chart-{question.id}-title">{escape(title)}</title>']
    peak = max([count for _, count, _ in rows] + [1])
    for n, (label, count, out_of) in enumerate(rows):
        y = n * row_h
        bar = (width - 70) * count / peak
        parts.append(f'<text x="0" y="{y + label_h - 4}" font-size="15" fill="#0b0c0c">{escape(label[:70])}</text>'
                     f'<rect x="0" y="{y + label_h}" width="{bar:.1f}" height="20" fill="{BAR}"/>'
                     f'<text x="{bar + 6:.1f}" y="{y + label_h + 15}" font-size="15" fill="#0b0c0c">'
                     f'{share(count, out_of)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
