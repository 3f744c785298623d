"""The server-drawn SVG bar chart."""
import xml.etree.ElementTree as ET

from markupsafe import Markup

from kindns.directory.charts import bar_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
PAYLOAD = '<script>alert("x")</script> & "quotes"'


def parse(svg):
    return ET.fromstring(str(svg))


def test_one_bar_per_row_with_labels_and_values():
    rows = [("Latin America and the Caribbean", 13), ("Europe", 4), ("Africa", 4), ("Asia", 2), ("North America", 0)]
    svg = bar_chart_svg(rows, title="Participants by region")
    assert isinstance(svg, Markup)
    root = parse(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Participants by region"
    bars = root.findall(f".//{SVG}rect")
    assert len(bars) == 5
    widths = [float(bar.get("width")) for bar in bars]
    assert widths[0] > widths[1] == widths[2] > widths[3] > widths[4] == 0
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:2] == ["Latin America and the Caribbean", "13"]
    assert "North America" in texts and "0" in texts


def test_no_external_references():
    svg = str(bar_chart_svg([("A", 1)], title="t"))
    assert "href" not in svg and "<script" not in svg and "url(" not in svg


def test_all_zero_and_empty_charts_still_parse():
    assert len(parse(bar_chart_svg([("A", 0), ("B", 0)])).findall(f".//{SVG}rect")) == 2
    assert parse(bar_chart_svg([])).findall(f".//{SVG}rect") == []


def test_labels_and_title_are_escaped():
    svg = bar_chart_svg([(PAYLOAD, 3)], title=PAYLOAD)
    assert "<script>" not in str(svg)
    root = parse(svg)
    assert root.find(f"{SVG}title").text == PAYLOAD
    assert PAYLOAD in [t.text for t in root.iter(f"{SVG}text")]
