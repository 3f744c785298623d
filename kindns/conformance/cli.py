"""Conformance commands: `kindns check` and `kindns check-resolver`, thin wrappers over kindns.checks.

Both exit 0 when the checks ran, whatever the verdicts, and 2 with a message for bad input. They print
English unless `--lang` names another of the registry's languages (KINDNS_LANGUAGES): the engine's
findings, titles and advice are then rendered from that language's compiled catalogue under translations/
(`make translations`), English where a string is not translated yet.
"""
from __future__ import annotations

import sys
import urllib.parse
from contextlib import nullcontext
from typing import Any, Callable

import click
from flask import current_app
from flask.cli import with_appcontext

from babel.support import NullTranslations, Translations

from .. import i18n
from ..checks import CheckConfig, format_json, format_table, run_resolver_checks, run_zone_checks
from ..checks.config import ConfigError, load_root_hints, load_trust_anchors
from ..checks.fixes import SOFTWARE
from ..checks.names import InvalidName, normalise_ip_address, normalise_zone_name


def _engine_options(command: Callable) -> Callable:
    """The options both commands share."""
    options = [
        click.option("--json", "as_json", is_flag=True,
                     help="Print a JSON array, one object per target: each check's title, verdict, findings "
                          "(codes and arguments) and English text."),
        click.option("--lang", "language", metavar="LANGUAGE",
                     help="Print findings and advice in this language (es, pt_BR, fr; default: English). With "
                          "--json, each check also carries its text in that language."),
        click.option("--root-hints", type=click.Path(dir_okay=False),
                     help="Root hints file (zone-file format: '. NS a.root.' and address records)."),
        click.option("--trust-anchor", type=click.Path(dir_okay=False),
                     help="Trust anchor file: DS or DNSKEY records for '.' in zone-file format."),
        click.option("--allow-private", is_flag=True, default=None,
                     help="Allow probing private, loopback and other non-public addresses."),
        click.option("--concurrency", type=click.IntRange(1, 10000), help="Targets checked at once."),
        click.option("--software", type=click.Choice(list(SOFTWARE)),
                     help="Give the fix-it advice for this software (the configuration lines, the command that "
                          "applies them, how sure we are they work); default: the software the servers say they "
                          "run, if they say so ('other': the general advice alone)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _config(root_hints: str | None, trust_anchor: str | None, **overrides: Any) -> CheckConfig:
    """The app's KINDNS_CHECK_* settings, overridden by the command line; bad files exit with code 2."""
    try:
        if root_hints:
            overrides["root_hints"] = load_root_hints(root_hints)
        if trust_anchor:
            overrides["trust_anchors"] = load_trust_anchors(trust_anchor)
        return CheckConfig.from_settings(current_app.config, **overrides)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def _progress(count: int, label: str):
    """A progress bar on stderr when there are several targets (hidden when stderr is not a terminal)."""
    if count < 2:
        return nullcontext(None)
    return click.progressbar(length=count, label=label, file=sys.stderr)


def _translations(language: str | None) -> tuple[str | None, NullTranslations | None]:
    """The language asked for (as the registry names it) and its catalogue; (None, None) for English."""
    if language is None:
        return None, None
    name = i18n.supported(language)
    if name is None:
        raise click.BadParameter(f"'{language}' is not one of {', '.join(i18n.languages())}.",
                                 param_hint="'--lang'")
    if name == i18n.DEFAULT:
        return None, None
    directory = current_app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0]
    catalogue = Translations.load(directory, [name])
    if not isinstance(catalogue, Translations):
        click.echo(f"No compiled catalogue for {name} under {directory} (make translations): printing English.",
                   err=True)
    return name, catalogue


def _print(reports: list, as_json: bool, language: tuple[str | None, NullTranslations | None],
           software: str | None = None) -> None:
    name, catalogue = language
    gettext = catalogue.gettext if catalogue is not None else None
    ngettext = catalogue.ngettext if catalogue is not None else None
    click.echo(format_json(reports, gettext, ngettext, name, software) if as_json
               else format_table(reports, True, gettext, ngettext, software))


@click.command("check")
@with_appcontext
@click.argument("zones", nargs=-1, required=True)
@_engine_options
def check_command(zones: tuple[str, ...], as_json: bool, language: str | None, root_hints: str | None,
                  trust_anchor: str | None, allow_private: bool | None, concurrency: int | None,
                  software: str | None) -> None:
    """Check ZONES against the KINDNS practices for authoritative operators."""
    names = []
    for zone in zones:
        try:
            names.append(normalise_zone_name(zone))
        except InvalidName as exc:
            raise click.UsageError(f"Invalid zone name '{zone}': {exc}") from None
    translation = _translations(language)  # a language we do not have is bad input: said before measuring
    config = _config(root_hints, trust_anchor, allow_private=allow_private, concurrency=concurrency)
    with _progress(len(names), "Checking zones") as bar:
        reports = run_zone_checks(names, config, progress=(lambda _r: bar.update(1)) if bar else None)
    _print(reports, as_json, translation, software)


@click.command("check-resolver")
@with_appcontext
@click.argument("addresses", nargs=-1, required=True)
@click.option("--category", type=click.Choice(["public", "shared", "private"]), required=True,
              help="The operator category the resolvers are declared under.")
@_engine_options
@click.option("--signed-name", help="A validly signed name (the AD bit is expected).")
@click.option("--bogus-name", help="A name with a broken signature (SERVFAIL is expected).")
@click.option("--qname-min-zone", "qname_min_name",
              help="The QNAME-minimisation test name (TXT); its answer contains the marker when minimising.")
@click.option("--doh-url", "doh_urls", multiple=True, metavar="[ADDRESS=]URL",
              help="A DNS over HTTPS URL declared for one of the ADDRESSES (RFC 8484, e.g. "
                   "https://dns.example.net/dns-query), asked over a connection to that address; repeat for "
                   "several. ADDRESS= may be left out when one address is checked.")
@click.option("--tls-ca-file", type=click.Path(dir_okay=False, exists=True),
              help="CA certificates (PEM) that DoT and DoH certificates must chain to (default: the system's).")
def check_resolver_command(addresses: tuple[str, ...], category: str, as_json: bool, language: str | None,
                           root_hints: str | None, trust_anchor: str | None, allow_private: bool | None,
                           concurrency: int | None, software: str | None,
                           signed_name: str | None, bogus_name: str | None, qname_min_name: str | None,
                           doh_urls: tuple[str, ...], tls_ca_file: str | None) -> None:
    """Check resolver ADDRESSES (all of one operator) against the KINDNS practices of their category."""
    normalised = []
    for address in addresses:
        try:
            normalised.append(normalise_ip_address(address))
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    urls = _doh_urls(doh_urls, normalised)
    for option, value in (("--signed-name", signed_name), ("--bogus-name", bogus_name),
                          ("--qname-min-zone", qname_min_name)):
        if value is not None:
            try:
                normalise_zone_name(value)
            except InvalidName as exc:
                raise click.UsageError(f"Invalid {option} '{value}': {exc}") from None
    translation = _translations(language)
    config = _config(root_hints, trust_anchor, allow_private=allow_private, concurrency=concurrency,
                     signed_name=signed_name, bogus_name=bogus_name, qname_min_name=qname_min_name,
                     tls_ca_file=tls_ca_file)
    with _progress(len(normalised), "Checking resolvers") as bar:
        reports = run_resolver_checks(normalised, category, config,
                                      progress=(lambda _r: bar.update(1)) if bar else None, doh_urls=urls)
    _print(reports, as_json, translation, software)


def _doh_urls(values: tuple[str, ...], addresses: list[str]) -> dict[str, str]:
    """address -> DoH URL from `--doh-url [ADDRESS=]URL` options; a bad one exits with code 2."""
    urls: dict[str, str] = {}
    for value in values:
        address, separator, url = value.partition("=")
        if not separator or "://" in address:
            if len(addresses) != 1:
                raise click.UsageError(f"--doh-url {value}: say which address it belongs to (ADDRESS=URL).")
            address, url = addresses[0], value
        try:
            address = normalise_ip_address(address)
        except ValueError as exc:
            raise click.UsageError(f"--doh-url {value}: {exc}") from None
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise click.UsageError(f"--doh-url {value}: the URL must start with https:// and name a host.")
        if address not in addresses:
            raise click.UsageError(f"--doh-url {value}: {address} is not one of the addresses checked.")
        urls[address] = url
    return urls


@click.command("rejudge")
@click.argument("run_id", type=int)
@with_appcontext
def rejudge_command(run_id: int) -> None:
    """Judge the stored check run RUN_ID again from what was collected, with today's checks and policy (no
    query is sent), and store the new verdicts."""
    from .runs import rejudge_run

    try:
        changes = rejudge_run(run_id)
    except (LookupError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    if not changes:
        click.echo(f"Run {run_id}: judged again, no verdict changed.")
    for check_id, before, after in changes:
        click.echo(f"Run {run_id}: {check_id}: {before or 'new'} -> {after}")


commands = [check_command, check_resolver_command, rejudge_command]
