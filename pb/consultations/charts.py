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


SERIES_COLOURS = ("#505a5f", "#1d4f91", "#00703c", "#7a4d00")  # the key's .series-N in pb.css match


def comparison_chart(comparison) -> Markup:
    """Per band, one bar per series (the population first): the share of each who are in the band."""
    series = [comparison.population, *comparison.heard]
    width, label_h, bar_h = 600, 18, 14
    row_h = label_h + bar_h * len(series) + 10
    height = row_h * len(comparison.bands) + 4
    parts = [f'<svg class="answer-chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="who-{escape(comparison.grouping)}-title" focusable="false">'
             f'<title id="who-{escape(comparison.grouping)}-title">Share of each group by {escape(comparison.grouping)}: '
             f'the table below gives the figures</title>']
    for n, band in enumerate(comparison.bands):
        y = n * row_h
        parts.append(f'<text x="0" y="{y + label_h - 4}" font-size="15" fill="#0b0c0c">{escape(band)}</text>')
        for j, one in enumerate(series):
            value = one.share(band) or 0
            bar = (width - 70) * value / 100
            top = y + label_h + j * bar_h
            parts.append(f'<rect x="0" y="{top}" width="{bar:.1f}" height="{bar_h - 2}" '
                         f'fill="{SERIES_COLOURS[j % len(SERIES_COLOURS)]}"><title>{escape(one.name)}: '
                         f'{round(value)}%</title></rect>'
                         f'<text x="{bar + 6:.1f}" y="{top + bar_h - 3}" font-size="12" fill="#0b0c0c">'
                         f'{round(value)}%</text>')
    parts.append("</svg>")
    key = "".join(f'<li><span class="swatch series-{j % len(SERIES_COLOURS)}"></span>'
                  f'{escape(one.name[0].upper() + one.name[1:])}</li>' for j, one in enumerate(series))
    return Markup("".join(parts) + f'<ul class="bar-key" aria-hidden="true">{key}</ul>')


def months_chart(months: list) -> Markup:
    """People taking part in engagement activities, month by month (the table beside it says the same)."""
    width, row_h = 600, 28
    height = row_h * len(months) + 4
    peak = max([people for _, (_, people) in months] + [1])
    parts = [f'<svg class="answer-chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="months-title" '
             'focusable="false"><title id="months-title">People taking part, month by month</title>']
    for n, (month, (_, people)) in enumerate(months):
        y = n * row_h
        bar = (width - 160) * people / peak
        parts.append(f'<text x="0" y="{y + 18}" font-size="14" fill="#0b0c0c">{escape(month)}</text>'
                     f'<rect x="80" y="{y + 5}" width="{bar:.1f}" height="18" fill="{BAR}"/>'
                     f'<text x="{bar + 86:.1f}" y="{y + 19}" font-size="14" fill="#0b0c0c">{people:,}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
