"""`flask qms import-standard`: a standard's clause sheet (XLSX or CSV) to the YAML of
checklists/standards/ (offered from `init_app` through `qms.core.registry.add_command`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app

from qms.standards.clause_sheet import ImportRefused
from qms.standards.importer import counts, import_standard


@click.command("import-standard")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="the YAML to write (default: checklists/standards/<code in lower case>.yaml)",
)
@click.option("--sheet", default=None, help="the sheet of clauses (default: the first with one)")
@click.option("--code", default=None, help="the standard's code, e.g. SNI-ISO-37001-2016")
@click.option("--version", "version", default=None, help="the standard's version, e.g. 2016")
@click.option("--title-id", default=None, help="the standard's title in Indonesian")
@click.option("--title-en", default=None, help="the standard's title in English")
@click.option("--publisher", default=None, help="who publishes it, e.g. BSN")
@click.option("--check", is_flag=True, help="only check the sheet; write nothing")
def import_standard_command(
    source: Path,
    out: Path | None,
    sheet: str | None,
    code: str | None,
    version: str | None,
    title_id: str | None,
    title_en: str | None,
    publisher: str | None,
    check: bool,
) -> None:
    """Turn a spreadsheet of clauses (XLSX or CSV) into a standard's YAML, checked by the same
    loader as `flask qms load-checklists`; every bad row is reported by its number and nothing
    is written then. The README lists the columns. Load it with `flask qms load-checklists`."""
    metadata = {
        "code": code or "",
        "version": version or "",
        "title_id": title_id or "",
        "title_en": title_en or "",
        "publisher": publisher or "",
    }
    standards_dir = Path(current_app.config["CHECKLISTS_DIR"]) / "standards"
    target = out or standards_dir / f"{(code or 'standard').lower()}.yaml"
    try:
        result, text = import_standard(source, target, sheet=sheet, metadata=metadata)
    except ImportRefused as refused:
        click.echo(f"REFUSED {source.name}: {refused}", err=True)
        sys.exit(1)
    for note in result.notes:
        click.echo(f"note: {note}")
    if text is None or result.data is None:
        click.echo(f"REFUSED {source.name}: {len(result.problems)} problem(s)", err=True)
        for problem in result.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    if out is None:
        target = standards_dir / f"{result.data['code'].lower()}.yaml"
    clauses, questions = counts(result.data)
    if check:
        click.echo(f"{source.name} is valid: {clauses} clauses, {questions} questions")
        return
    replaced = target.exists()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(
        f"wrote {target} ({'replaced' if replaced else 'new'}): {clauses} clauses, "
        f"{questions} questions; load it with `flask qms load-checklists`"
    )
