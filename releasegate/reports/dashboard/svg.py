"""The dashboard's charts: inline SVG made here, every text escaped.

No script, no ``style`` attribute or element (the page's Content-Security-Policy allows
only its own ``style.css``): colours come from classes that ``style.css`` defines, and
every label and tooltip (``<title>``) is escaped text. Numbers are formatted by this
module, never taken from a record as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 760
HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 12, 40


@dataclass(frozen=True, kw_only=True)
class Series:
    name: str  # shown in the legend and tooltips
    css: str  # a class of style.css (a fixed name, never from a record)
    values: Sequence[float]


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _frame(title: str, body: list[str], *, height: int = HEIGHT) -> Markup:
    return Markup(  # noqa: S704 - every piece of text below went through escape()
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _axis(top: float, labels: Sequence[str], xs: Sequence[float], height: int) -> list[str]:
    """The y axis (0 and ``top``) and up to 8 x labels spread over the points."""
    base = height - _BOTTOM
    parts = [
        f'<line class="axis" x1="{_LEFT}" y1="{base}" x2="{WIDTH - _RIGHT}" y2="{base}"/>',
        f'<line class="axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{base}"/>',
        f'<text class="tick" x="{_LEFT - 6}" y="{base}" text-anchor="end">0</text>',
        f'<text class="tick" x="{_LEFT - 6}" y="{_TOP + 8}" text-anchor="end">'
        f"{escape(_num(top))}</text>",
    ]
    if labels:
        step = max(1, -(-len(labels) // 8))
        for i in range(0, len(labels), step):
            parts.append(
                f'<text class="tick" x="{_num(xs[i])}" y="{base + 16}" text-anchor="middle">'
                f"{escape(labels[i][:14])}</text>"
            )
    return parts


def _xs(count: int) -> list[float]:
    span = WIDTH - _LEFT - _RIGHT
    if count <= 1:
        return [_LEFT + span / 2] * count
    return [_LEFT + span * i / (count - 1) for i in range(count)]


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """One polyline per series over the points ``labels`` name, with a legend."""
    if not labels:
        return _frame(title, ['<text class="tick" x="20" y="40">no runs</text>'], height=60)
    top = max((v for s in series for v in s.values), default=0) or 1
    xs = _xs(len(labels))
    base = HEIGHT - _BOTTOM
    scale = (base - _TOP) / top
    body = _axis(top, labels, xs, HEIGHT)
    for s in series:
        points = " ".join(
            f"{_num(x)},{_num(base - v * scale)}" for x, v in zip(xs, s.values, strict=True)
        )
        body.append(f'<polyline class="line {escape(s.css)}" fill="none" points="{points}"/>')
        for x, v, label in zip(xs, s.values, labels, strict=True):
            body.append(
                f'<circle class="dot {escape(s.css)}" cx="{_num(x)}" cy="{_num(base - v * scale)}"'
                f' r="2.5"><title>{escape(label)}: {escape(_num(v))} {escape(s.name)}</title>'
                "</circle>"
            )
    x = _LEFT
    for s in series:
        body.append(
            f'<rect class="swatch {escape(s.css)}" x="{x}" y="{HEIGHT - 14}" width="10" '
            f'height="10"/><text class="legend" x="{x + 14}" y="{HEIGHT - 5}">'
            f"{escape(s.name)}</text>"
        )
        x += 16 + 8 * len(s.name) + 12
    return _frame(title, body)


def bar_chart(title: str, bars: Sequence[tuple[str, float, str]], unit: str) -> Markup:
    """One bar per ``(label, value, tooltip)``; ``unit`` names the values' unit."""
    if not bars:
        empty = '<text class="tick" x="20" y="40">nothing shipped yet</text>'
        return _frame(title, [empty], height=60)
    top = max(v for _, v, _ in bars) or 1
    xs = _xs(len(bars))
    base = HEIGHT - _BOTTOM
    scale = (base - _TOP) / top
    width = max(2.0, min(40.0, (WIDTH - _LEFT - _RIGHT) / len(bars) * 0.6))
    body = _axis(top, [label for label, _, _ in bars], xs, HEIGHT)
    body.append(
        f'<text class="legend" x="{_LEFT}" y="{HEIGHT - 5}">{escape(unit)} (top: '
        f"{escape(_num(top))})</text>"
    )
    for x, (label, value, tooltip) in zip(xs, bars, strict=True):
        height = max(value * scale, 1.0)
        body.append(
            f'<rect class="bar" x="{_num(x - width / 2)}" y="{_num(base - height)}" '
            f'width="{_num(width)}" height="{_num(height)}"><title>{escape(label)}: '
            f"{escape(tooltip)}</title></rect>"
        )
    return _frame(title, body)
