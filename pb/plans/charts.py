"""Planned against granted and paid, per intervention, drawn on the server as SVG beside its table."""
from __future__ import annotations

from markupsafe import Markup, escape

from pb.money import pounds

COLOURS = ("#505a5f", "#1d4f91", "#00703c")  # planned, granted, paid: .series-0..2 in pb.css


def progress_chart(lines) -> Markup:
    if not lines:
        return Markup("")
    width, label_h, bar_h = 600, 18, 12
    row_h = label_h + 3 * bar_h + 10
    height = row_h * len(lines) + 4
    peak = max([max(line.total("planned"), line.total("granted"), line.total("paid")) for line in lines] + [1])
    parts = [f'<svg class="answer-chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="progress-title" '
             'focusable="false"><title id="progress-title">Planned, granted and paid per intervention, over the '
             'plan: the table below gives the figures</title>']
    for n, line in enumerate(lines):
        y = n * row_h
        parts.append(f'<text x="0" y="{y + label_h - 4}" font-size="15" fill="#0b0c0c">{escape(line.name)}</text>')
        for j, name in enumerate(("planned", "granted", "paid")):
            value = line.total(name)
            bar = (width - 110) * value / peak
            top = y + label_h + j * bar_h
            parts.append(f'<rect x="0" y="{top}" width="{bar:.1f}" height="{bar_h - 2}" fill="{COLOURS[j]}"/>'
                         f'<text x="{bar + 6:.1f}" y="{top + bar_h - 2}" font-size="11" fill="#0b0c0c">'
                         f'{escape(pounds(value))}</text>')
    parts.append("</svg>")
    key = "".join(f'<li><span class="swatch series-{j}"></span>{label}</li>'
                  for j, label in enumerate(("Planned", "Granted", "Paid")))
    return Markup("".join(parts) + f'<ul class="bar-key" aria-hidden="true">{key}</ul>')
