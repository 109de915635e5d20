"""`flask qms ...` commands: the installation's own here; features offer theirs through
`qms.core.registry.add_command` from their init_app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from qms.core.timeutil import today as local_today
from qms.extensions import db

qms_group = AppGroup("qms", help="qms administration commands.")


@qms_group.command("load-checklists")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path), default=None)
def load_checklists(directory: Path | None) -> None:
    """Validate and load every YAML file under checklists/ (standards, product SNIs, places…)."""
    from qms.core.checklists import load_directory
    from qms.core.history import acting_as

    directory = directory or Path(current_app.config["CHECKLISTS_DIR"])
    with acting_as(None):
        report = load_directory(directory)
    db.session.commit()
    for name, counts in report.loaded.items():
        summary = ", ".join(f"{v} {k}" for k, v in counts.items())
        click.echo(f"loaded {name}: {summary}")
    for name, reason in report.skipped.items():
        click.echo(f"skipped {name}: {reason}")
    for error in report.errors:
        click.echo(f"REFUSED {error.path.name}:", err=True)
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
    if report.errors:
        sys.exit(1)


@qms_group.command("seed-demo")
def seed_demo() -> None:
    """Create Kota Kupang with its agencies, demo accounts and demo data (idempotent)."""
    from qms.demo import seed

    counts = seed()
    db.session.commit()
    click.echo("demo data ready: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@qms_group.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, help="system_admin, city_admin, quality_officer, ...")
@click.option("--city", "city_code", default=None, help="city code, for city-scoped roles")
@click.option("--agency", "agency_code", default=None, help="agency code, for agency roles")
@click.password_option()
def create_user(
    email: str, name: str, role: str, city_code: str | None, agency_code: str | None, password: str
) -> None:
    """Create a user with one role (the first system administrator, for example)."""
    from sqlalchemy import select

    from qms.accounts import operations
    from qms.core.errors import DomainError
    from qms.core.roles import Role
    from qms.organisations.models import Agency, City

    try:
        city = db.session.scalar(select(City).where(City.code == city_code)) if city_code else None
        agency = None
        if agency_code:
            query = select(Agency).where(Agency.code == agency_code)
            if city is not None:
                query = query.where(Agency.city_id == city.id)
            agency = db.session.scalar(query)
        user = operations.create_user(None, email=email, name=name, password=password)
        operations.assign_role(None, user, Role(role), city=city, agency=agency)
    except (DomainError, ValueError) as error:
        db.session.rollback()
        raise click.ClickException(str(getattr(error, "message", error))) from error
    db.session.commit()
    click.echo(f"created {user.email} as {role}")


@qms_group.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def remind(today) -> None:
    """Send today's reminders (run daily from cron). Each reminder is sent once."""
    from qms.core.mail import run_reminders

    day = today.date() if today else local_today()
    queued = run_reminders(day)
    db.session.commit()
    click.echo(f"{len(queued)} reminder(s) queued")


@qms_group.command("compile-translations")
def compile_translations() -> None:
    """Compile the translation catalogues (.po -> .mo)."""
    from qms.core.i18n import compile_catalogues

    click.echo(f"{compile_catalogues()} catalogue(s) compiled")


def init_app(app: Flask) -> None:
    from qms.core.registry import cli_commands

    for command in cli_commands.values():
        qms_group.add_command(command)
    app.cli.add_command(qms_group)


@qms_group.command("backup")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
def backup(archive: Path) -> None:
    """Write one archive with the database, the evidence files, the report archive and a
    manifest of SHA-256 sums (see README, "Backup and restore")."""
    from qms.backup import BackupError, make_backup

    try:
        manifest = make_backup(archive)
    except (BackupError, OSError, subprocess.CalledProcessError) as error:
        raise click.ClickException(_failure(error)) from error
    rows = sum(manifest["counts"].values())
    click.echo(f"backup written to {archive}: {len(manifest['members'])} files, {rows} rows")


@qms_group.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace an installation that holds data.")
def restore(archive: Path, replace: bool) -> None:
    """Check an archive against its manifest, then restore the database and the folders."""
    from qms.backup import BackupError
    from qms.backup import restore as restore_archive

    try:
        manifest = restore_archive(archive, replace=replace)
    except (BackupError, OSError, subprocess.CalledProcessError) as error:
        raise click.ClickException(_failure(error)) from error
    click.echo(f"restored the backup of {manifest['created_at']}")


@qms_group.command("check-files")
def check_files() -> None:
    """List evidence files whose stored file is missing or no longer matches its SHA-256."""
    from qms.backup import check_files as find_problems

    problems = find_problems()
    for problem in problems:
        stored = problem.file
        owner = f"{stored.owner_type} {stored.owner_id}"
        click.echo(f"{problem.problem}: file {stored.id} {stored.original_name!r} ({owner})")
    click.echo(f"{len(problems)} problem(s)")
    if problems:
        sys.exit(1)


def _failure(error: BaseException) -> str:
    stderr = getattr(error, "stderr", None)
    return stderr.decode(errors="replace").strip() if stderr else str(error)
