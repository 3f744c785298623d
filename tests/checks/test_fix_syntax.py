"""Every fix written for a configuration file is accepted by its software's own checker (named-checkconf,
knotc conf-check, unbound-checkconf, nsd-checkconf, pdns_server and pdns_recursor --config=check): the change
applied to a small valid configuration, as the live proofs apply it. Fixes proven live are checked too; a
fix whose software has no checker on Debian is marked as neither proven nor checked."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kindns.checks.fixes import FIXES, LIVE, SYNTAX, UNPROVEN, Block, Change, apply_changes, render_blocks

ZONE = "example.org"
# The root's trust anchor (KSK-2017) as Debian's unbound-anchor writes it, for Unbound's checker to read.
ROOT_DS = ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
# software -> (syntax, file name, the base configuration, the checker's command given the file)
CHECKERS = {
    "bind": ("bind", "named.conf", lambda d: [
        Block("options", "", [("directory", f'"{d}"')]),
        Block("zone", ZONE, [("type", "primary"), ("file", f'"{d}/{ZONE}.zone"')])],
        lambda f: ["named-checkconf", str(f)]),
    "knot": ("knot", "knot.conf", lambda d: [
        Block("server", "", [("listen", "127.0.0.1@53")]), Block("zone", ZONE, [])],
        lambda f: ["knotc", "-c", str(f), "conf-check"]),
    "unbound": ("unbound", "unbound.conf", lambda d: [
        Block("server", "", [("chroot", '""'), ("username", '""'), ("directory", f'"{d}"')])],
        lambda f: ["unbound-checkconf", str(f)]),
    "nsd": ("nsd", "nsd.conf", lambda d: [
        Block("server", "", [("zonesdir", f'"{d}"')]), Block("zone", ZONE, [("zonefile", f"{ZONE}.zone")])],
        lambda f: ["nsd-checkconf", str(f)]),
    "powerdns": ("ini", "pdns.conf", lambda d: [Block("", "", [("launch", "")])],
                 lambda f: ["pdns_server", f"--config-dir={f.parent}", "--config=check"]),
    "powerdns-recursor": ("ini", "recursor.conf", lambda d: [Block("", "", [("local-port", "5300")])],
                          lambda f: ["pdns_recursor", f"--config-dir={f.parent}", "--config=check"]),
}
# A statement no checker knows: proves each checker can say no.
BOGUS = {"bind": Change("options", "no-such-statement", ("yes",)), "knot": Change("server", "no-such-item", ("1",)),
         "unbound": Change("server", "no-such-option", ("yes",)), "nsd": Change("server", "no-such-option", ("1",)),
         "powerdns": Change("", "no-such-setting", ("1",)), "powerdns-recursor": Change("", "no-such-setting", ("1",))}

CHECKED = [fix for fix in FIXES if fix.changes and fix.software in CHECKERS and fix.syntax == CHECKERS[fix.software][0]]


def _tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if path is None:
        pytest.fail(f"{name} is not installed (make system-deps installs it)")
    return path


def _check(software: str, changes, tmp_path: Path) -> subprocess.CompletedProcess:
    syntax, name, base, command = CHECKERS[software]
    for file in (f"{ZONE}.zone", "dns.key", "dns.pem"):
        (tmp_path / file).write_text("")
    (tmp_path / "root.key").write_text(ROOT_DS)
    conf = tmp_path / name
    conf.write_text(render_blocks(syntax, apply_changes(base(tmp_path), changes)))
    argv = command(conf)
    return subprocess.run([_tool(argv[0]), *argv[1:]], capture_output=True, text=True, timeout=60)


def _context(tmp_path: Path) -> dict:
    return {"zone": ZONE, "tls_key": str(tmp_path / "dns.key"), "tls_cert": str(tmp_path / "dns.pem"),
            "root_key": str(tmp_path / "root.key")}


@pytest.mark.parametrize("fix", CHECKED, ids=lambda f: f"{f.software}-{f.codes[0]}")
def test_the_checker_accepts_the_fix(fix, tmp_path):
    done = _check(fix.software, fix.filled_changes(_context(tmp_path)), tmp_path)
    assert done.returncode == 0, f"{done.stdout}{done.stderr}\n{fix.config(_context(tmp_path))}"


@pytest.mark.parametrize("software", list(CHECKERS))
def test_each_checker_refuses_a_broken_configuration(software, tmp_path):
    assert _check(software, [BOGUS[software]], tmp_path).returncode != 0


def test_every_fix_says_how_sure_it_is():
    for fix in FIXES:
        checkable = fix in CHECKED
        assert fix.proof in ((LIVE, SYNTAX) if checkable else (UNPROVEN,)), (fix.codes, fix.software)
        if fix.changes:
            assert fix.config({"zone": ZONE}).strip()
