"""The README's table of fix-it advice says, per software, which fixes are proven live, which are only
syntax-checked and which are neither, exactly as the catalogue marks them (so it cannot go stale)."""
from __future__ import annotations

from pathlib import Path

from kindns.checks import RESOLVER_CHECKS, ZONE_CHECKS
from kindns.checks.fixes import FIXES, LIVE, SOFTWARE, SYNTAX, UNPROVEN
from kindns.checks.runner import judge_zone  # noqa: F401  (fills the catalogue)

README = Path(__file__).resolve().parents[2] / "README.md"


def _check_ids(codes) -> list[str]:
    checks = {**ZONE_CHECKS, **RESOLVER_CHECKS}
    return sorted({check_id for check_id, spec in checks.items() if any(code in spec.advice for code in codes)})


def table_rows() -> list[str]:
    rows = []
    for software, name in SOFTWARE.items():
        if software == "other":
            continue
        cells = []
        for level in (LIVE, SYNTAX, UNPROVEN):
            ids = sorted({i for fix in FIXES if fix.software == software and fix.proof == level
                          for i in _check_ids(fix.codes)})
            cells.append(", ".join(f"`{i}`" for i in ids) or "—")
        rows.append(f"| {name} | {' | '.join(cells)} |")
    return rows


def test_the_readme_table_is_the_catalogue():
    text = README.read_text()
    missing = [row for row in table_rows() if row not in text]
    assert not missing, "README's fix-it table differs from the catalogue; its rows should be:\n" + \
        "\n".join(table_rows())
