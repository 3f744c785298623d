"""Every template compiles: a syntax error or a missing include fails here, not in front of a user."""
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
NAMES = sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".svg", ".txt"})


@pytest.mark.parametrize("name", NAMES)
def test_template_compiles(app, name):
    template = app.jinja_env.get_template(name)
    assert template.name == name


def test_every_template_is_found():
    assert "base.html" in NAMES and "includes/macros.html" in NAMES
