"""Charts drawn on the server as SVG: no JavaScript, readable by screen readers through their title,
and always next to a table with the same figures."""
from __future__ import annotations

from markupsafe import Markup, escape

from pb.money import pounds

PALETTE = ("#1d4f91", "#00703c", "#7a4d00", "#6f3c8f", "#b3261e")


def year_bars(chart_id: str, title: str, years: list[str], series: list[tuple[str, list[int]]]) -> Markup:
    """Grouped bars, one group per financial year, one bar per series, with a key."""
    width, height, left, bottom, top = 960, 300, 90, 40, 16
    plot_h = height - bottom - top
    peak = max([v for _, values in series for v in values] + [1])
    step = _nice(peak)
    scale_top = step * -(-peak // step)
    group_w = (width - left - 10) / max(len(years), 1)
    bar_w = min(28.0, (group_w - 12) / max(len(series), 1))
    parts = [f'<svg class="year-chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{chart_id}-title" '
             f'focusable="false"><title id="{chart_id}-title">{escape(title)}</title>']
    for tick in range(0, scale_top + 1, step):
        y = top + plot_h - plot_h * tick / scale_top
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b1b4b6" stroke-width="1"/>'
                     f'<text x="{left - 8}" y="{y + 5:.1f}" text-anchor="end" font-size="14" fill="#0b0c0c">'
                     f'{escape(_short(tick))}</text>')
    for i, year in enumerate(years):
        x0 = left + i * group_w + (group_w - bar_w * len(series)) / 2
        for j, (name, values) in enumerate(series):
            value = values[i]
            h = plot_h * value / scale_top
            x = x0 + j * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(name)}, {year}: {pounds(value)}</title></rect>')
        parts.append(f'<text x="{left + i * group_w + group_w / 2:.1f}" y="{height - 14}" text-anchor="middle" '
                     f'font-size="14" fill="#0b0c0c">{escape(year)}</text>')
    parts.append("</svg>")
    key = "".join(f'<li><span class="swatch swatch-{j % len(PALETTE)}"></span>{escape(name)}</li>'
                  for j, (name, _) in enumerate(series))
    return Markup("".join(parts) + f'<ul class="bar-key" aria-hidden="true">{key}</ul>')


def _nice(peak: int) -> int:
    """A round tick step (in pence) giving four or five gridlines."""
    raw = peak / 4
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return max(1, int(factor * magnitude))
    return max(1, int(10 * magnitude))


def _short(pence: int) -> str:
    pounds_ = pence / 100
    if pounds_ >= 1_000_000:
        return f"£{pounds_ / 1_000_000:g}m"
    if pounds_ >= 1_000:
        return f"£{pounds_ / 1_000:g}k"
    return f"£{pounds_:g}"
