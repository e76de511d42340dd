"""The server-side SVG bar charts (core/charts.py): real SVG, parsed."""

import xml.etree.ElementTree as ET

from core.charts import Bar, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg):
    return ET.fromstring(str(svg))


def test_one_bar_per_value_with_heights_in_proportion():
    bars = [Bar("a", 10, "a: 10"), Bar("", 30, "b: 30"), Bar("c", 0, "c: 0")]

    root = _parse(bar_chart(bars, title="Count", desc="Per day"))

    rects = root.findall(f".//{SVG}rect")
    assert len(rects) == 3
    heights = [float(r.get("height")) for r in rects]
    assert heights[2] == 0
    assert abs(heights[1] - 3 * heights[0]) < 0.2
    assert [r.find(f"{SVG}title").text for r in rects] == ["a: 10", "b: 30", "c: 0"]


def test_accessible_image_with_title_and_description():
    root = _parse(bar_chart([Bar("x", 1, "x: 1")], title="Count <all>", desc="Per day & shop"))

    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Count <all>"
    assert root.find(f"{SVG}desc").text == "Per day & shop"
    ids = root.get("aria-labelledby").split()
    assert ids == [root.find(f"{SVG}title").get("id"), root.find(f"{SVG}desc").get("id")]


def test_category_labels_only_where_given_and_round_axis_ticks():
    bars = [Bar("01/11", 120, "t"), Bar("", 250, "t"), Bar("03/11", 40, "t")]

    root = _parse(bar_chart(bars, title="t", desc="d", axis=lambda v: f"{v:g} x"))

    texts = [t.text for t in root.findall(f"{SVG}text")]
    assert "01/11" in texts and "03/11" in texts and "" not in texts
    # 250 / 3 → steps of 100: 0, 100, 200, 300 (the highest bar fits under the last line).
    assert texts[:4] == ["0 x", "100 x", "200 x", "300 x"]


def test_text_is_escaped_and_nothing_inside_is_interactive():
    root = _parse(bar_chart([Bar("<b>", 5, "5 & more")], title="t", desc="d"))

    assert root.find(f".//{SVG}rect/{SVG}title").text == "5 & more"
    assert "<b>" in [t.text for t in root.findall(f"{SVG}text")]
    assert root.find(f".//{SVG}a") is None  # an image holds no link (axe: nested-interactive)


def test_a_fixed_top_and_an_empty_chart():
    root = _parse(bar_chart([Bar("a", 50, "50 %")], title="t", desc="d", top=100))
    rect = root.find(f".//{SVG}rect")
    assert abs(float(rect.get("height")) - 146 / 2) < 0.2  # half the plot's height

    empty = _parse(bar_chart([Bar("a", 0, "0"), Bar("b", 0, "0")], title="t", desc="d"))
    assert [float(r.get("height")) for r in empty.findall(f".//{SVG}rect")] == [0, 0]


def test_long_value_labels_get_room_at_the_left_edge():
    """`1 000 000,00 €` must not start left of the image (it was cut at a fixed 56 px)."""
    import re

    from core.charts import AXIS_CHAR, Bar, bar_chart

    svg = str(
        bar_chart(
            [Bar("", 1_000_000, "x")],
            title="t",
            desc="d",
            axis=lambda v: f"{v:,.2f}\u00a0€".replace(",", "\u202f"),
        )
    )
    for x, text in re.findall(
        r'<text class="axis" x="([\d.]+)"[^>]*text-anchor="end">([^<]+)<', svg
    ):
        assert float(x) - AXIS_CHAR * len(text) >= 0, text
