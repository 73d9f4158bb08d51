"""Server-side SVG for the national view: allocated and paid by region, as horizontal bars. The
same figures are always in a table beside it (the chart is hidden from screen readers)."""
from __future__ import annotations

from markupsafe import Markup, escape


def region_bars(title: str, regions: list[tuple[str, int, int]]) -> Markup:
    """(region, allocated pence, paid pence) for each region."""
    if not regions:
        return Markup("")
    top = max(max(a, p) for _, a, p in regions) or 1
    label_w, bar_w, row_h = 170, 380, 46
    height = row_h * len(regions) + 30
    parts = [f'<svg class="region-chart" viewBox="0 0 {label_w + bar_w + 120} {height}" role="img" '
             f'aria-hidden="true" focusable="false"><title>{escape(title)}</title>']
    for i, (name, allocated, paid) in enumerate(regions):
        y = 10 + i * row_h
        parts.append(f'<text x="{label_w - 8}" y="{y + 24}" text-anchor="end" font-size="14" fill="#0b0c0c">'
                     f'{escape(name[:22])}</text>')
        for j, (value, colour) in enumerate(((allocated, "#1d70b8"), (paid, "#00703c"))):
            width = max(1.0, bar_w * value / top)
            parts.append(f'<rect x="{label_w}" y="{y + j * 18}" width="{width:.1f}" height="16" fill="{colour}"/>'
                         f'<text x="{label_w + width + 6:.1f}" y="{y + j * 18 + 13}" font-size="12" fill="#0b0c0c">'
                         f'£{value / 100:,.0f}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
