"""Draw docs/scale.svg from docs/scale.json: the figures of docs/scale.md, one panel per measure,
one line per series, rows on a logarithmic axis (1 M, 3 M, 10 M), each panel's goal as a dashed
line. Not a bench (CI skips files starting with `_`); run it after adding a run's figures:

    .venv/bin/python bench/_plot_scale.py
"""

import json
import math
import sys
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
COLOURS = ["#1f5fa8", "#c0392b", "#2e7d32", "#8e44ad", "#d35400", "#00838f", "#5d4037"]
W, H, PAD_L, PAD_R, PAD_T, PAD_B = 460, 280, 64, 190, 36, 44


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * step:
            return factor * step
    return 10 * step


def panel(p: dict, x0: int, y0: int) -> list[str]:
    rows = p["rows"]
    values = [v for s in p["series"] for v in s["values"] if v is not None]
    top = _nice_top(max(values + [p.get("goal") or 0]) * 1.05)
    lx = [math.log10(r) for r in rows]
    lo, hi = min(lx), max(lx)
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def px(r):
        return x0 + PAD_L + (math.log10(r) - lo) / (hi - lo or 1) * plot_w

    def py(v):
        return y0 + PAD_T + plot_h - v / top * plot_h

    out = [f'<text x="{x0 + PAD_L}" y="{y0 + 20}" class="title">{escape(p["title"])}</text>']
    for i in range(5):
        v = top * i / 4
        y = py(v)
        out.append(f'<line x1="{x0 + PAD_L}" x2="{x0 + PAD_L + plot_w}" y1="{y:.1f}" '
                   f'y2="{y:.1f}" class="grid"/>')  # fmt: skip
        out.append(f'<text x="{x0 + PAD_L - 6}" y="{y + 4:.1f}" class="axis" '
                   f'text-anchor="end">{v:g}</text>')  # fmt: skip
    for r in rows:
        label = f"{r / 1e6:g} M" if r >= 1e6 else f"{r / 1e3:g} k"
        out.append(f'<text x="{px(r):.1f}" y="{y0 + PAD_T + plot_h + 18}" class="axis" '
                   f'text-anchor="middle">{label}</text>')  # fmt: skip
    x_title = escape(p.get("x", "transactions in the table"))
    out.append(f'<text x="{x0 + PAD_L + plot_w / 2}" y="{y0 + H - 6}" class="axis" '
               f'text-anchor="middle">{x_title}</text>')  # fmt: skip
    out.append(f'<text x="{x0 + 14}" y="{y0 + PAD_T + plot_h / 2}" class="axis" '
               f'transform="rotate(-90 {x0 + 14} {y0 + PAD_T + plot_h / 2})" '
               f'text-anchor="middle">{escape(p["unit"])}</text>')  # fmt: skip
    if p.get("goal"):
        y = py(p["goal"])
        out.append(f'<line x1="{x0 + PAD_L}" x2="{x0 + PAD_L + plot_w}" y1="{y:.1f}" '
                   f'y2="{y:.1f}" class="goal"/>')  # fmt: skip
        out.append(f'<text x="{x0 + PAD_L + plot_w - 2}" y="{y - 4:.1f}" class="axis" '
                   f'text-anchor="end">goal {p["goal"]:g}</text>')  # fmt: skip
    for i, s in enumerate(p["series"]):
        colour = COLOURS[i % len(COLOURS)]
        points = [(px(r), py(v)) for r, v in zip(rows, s["values"], strict=True) if v is not None]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in points:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        ly = y0 + PAD_T + 6 + i * 16
        lx0 = x0 + W - PAD_R + 12
        out.append(f'<line x1="{lx0}" x2="{lx0 + 16}" y1="{ly}" y2="{ly}" stroke="{colour}" '
                   f'stroke-width="2"/>')  # fmt: skip
        out.append(f'<text x="{lx0 + 20}" y="{ly + 4}" class="legend">{escape(s["name"])}</text>')
    return out


def main():
    data = json.loads((ROOT / "docs/scale.json").read_text())
    panels = data["panels"]
    columns = 2
    rows = math.ceil(len(panels) / columns)
    width, height = W * columns, H * rows + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="t d">',
        f'<title id="t">{escape(data["title"])}</title>',
        f'<desc id="d">{escape(data["description"])}</desc>',
        "<style>text{font:12px sans-serif;fill:#222}.title{font-weight:bold}.axis{fill:#555;"
        "font-size:11px}.legend{font-size:11px}.grid{stroke:#ddd}.goal{stroke:#888;"
        "stroke-dasharray:5 4}</style>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]
    for i, p in enumerate(panels):
        parts += panel(p, (i % columns) * W, (i // columns) * H)
    parts.append(f'<text x="8" y="{height - 8}" class="axis">{escape(data["note"])}</text>')
    parts.append("</svg>")
    (ROOT / "docs/scale.svg").write_text("\n".join(parts) + "\n")
    print(f"docs/scale.svg: {len(panels)} panels", file=sys.stderr)


if __name__ == "__main__":
    main()
