"""The ``suivi`` command line: Flask's CLI with Suivi's commands."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from backend import db
from backend.app import create_app
from backend.errors import DomainError


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False,
             help="Suivi: post-operative remote monitoring.")
def main() -> None:
    # Health data on disk (the SQLite file, Redis's dump, the demo's secrets): whatever a
    # Suivi process creates is readable by its own user only.
    os.umask(0o077)


@main.command(with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Run the API and web pages under gunicorn."""
    from backend.server import run_gunicorn

    run_gunicorn(host, port, workers)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run an RQ worker on Suivi's queues."""
    from rq import SimpleWorker
    from sqlalchemy.orm import configure_mappers

    from backend.job_runtime import QUEUES, set_worker_app
    from backend.outbox import jobs  # noqa: F401 (imported once here, not in every job)
    from backend.wiring import wiring
    from backend.worker import periodic  # noqa: F401

    configure_mappers()
    set_worker_app(current_app._get_current_object())  # the app this command built
    connection = wiring().redis
    queues = [wiring().queue(name) for name in QUEUES]
    # Jobs run in this process, not in a fork each: a job is a few queries and one call
    # to a provider, and a fork (with its new database connection) cost more than the job
    # (bench/README.md). Timeouts still apply (SIGALRM); a worker that dies loses only
    # its current job, which the outbox sweep enqueues again.
    SimpleWorker(queues, connection=connection).work(burst=burst, with_scheduler=False)


@main.command()
@with_appcontext
def scheduler() -> None:
    """Run the periodic jobs (RQ cron scheduler)."""
    from backend.worker.scheduler import run_scheduler

    run_scheduler()


@main.group(name="db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head), then seal the sensitive values
    stored before they were sealed."""
    from backend.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"], revision)
    if revision == "head":
        _seal(reindex=False)


@main.command("rotate-keys")
@click.option("--reindex", is_flag=True,
              help="Compute every phone hash again (after SUIVI_INDEX_KEY changed).")
@with_appcontext
def rotate_keys(reindex: bool) -> None:
    """Seal again, under the current (first) key of SUIVI_DATA_KEYS, every value sealed
    under an older one; an older key can be removed afterwards."""
    _seal(reindex)


@main.command("new-key", with_appcontext=False)
def new_key() -> None:
    """Print a fresh random key for SUIVI_DATA_KEYS (as id:key) or SUIVI_INDEX_KEY."""
    from backend.crypto import new_key as make

    click.echo(make())


def _seal(reindex: bool) -> None:
    from backend.crypto import keyring
    from backend.sealing import seal_stored

    report = _run_as_system(lambda: seal_stored(db.session(), keyring(), reindex=reindex))
    click.echo(f"{report.values} value(s) sealed under the current key, "
               f"{report.indexes} phone hash(es) written")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ("base" for an empty database)."""
    from backend.migrate import downgrade

    downgrade(current_app.config["DATABASE_URL"], revision)


@main.command("create-team")
@click.argument("slug")
@click.argument("name")
@click.option("--on-call-phone", default=None)
@click.option("--patient-phone", default=None, help="the ward's number shown to patients")
@with_appcontext
def create_team(slug: str, name: str, on_call_phone: str | None,
                patient_phone: str | None) -> None:
    """Create a care team."""
    from backend.teams import services
    from backend.teams.schemas import TeamIn

    _checked(TeamIn(), {"slug": slug, "name": name, "on_call_phone": on_call_phone,
                        "patient_phone": patient_phone})
    _run_as_system(lambda: services.create_team(slug, name, on_call_phone,
                                                patient_phone=patient_phone))
    click.echo(f"Care team {slug} created.")


@main.command("create-staff")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "surgeon", "nurse"]), required=True)
@click.option("--team", "teams", multiple=True, help="Care team slug (repeatable).")
@click.option("--name", "display_name", default=None, help="Display name (default: e-mail).")
@with_appcontext
def create_staff(email: str, role: str, teams: tuple[str, ...], display_name: str | None) -> None:
    """Create a staff account; the password is read from a prompt or from stdin."""
    from backend.teams import services
    from backend.teams.schemas import StaffIn

    _checked(StaffIn(partial=("password",)), {"email": email, "role": role,
                                               "display_name": display_name or email,
                                               "teams": list(teams)})
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    created = _run_as_system(lambda: services.create_staff(email, role, display_name or email,
                                                           password, teams))
    click.echo(f"Staff account {created.user.email} ({role}) created.")
    _echo_enrolment_code(created.enrolment)


@main.command("reset-mfa")
@click.argument("email")
@with_appcontext
def reset_mfa(email: str) -> None:
    """Remove the second factor of a staff account (e.g. the last administrator's, lost)
    and print the code with which it enrols a new one."""
    from backend.teams import services

    enrolment = _run_as_system(lambda: services.reset_mfa(services.staff_by_email(email)))
    click.echo(f"Second factor of {email} removed; its tokens are revoked.")
    _echo_enrolment_code(enrolment)


def _echo_enrolment_code(enrolment) -> None:
    # Printed once and stored only as an HMAC: the account's owner needs it, with the
    # password, to enrol the second factor without which no administration is possible.
    click.echo(f"Second-factor enrolment code (single use, until "
               f"{enrolment.expires_at:%Y-%m-%d %H:%M} UTC; hand it over in person): "
               f"{enrolment.code}")


@main.command("load-content")
@with_appcontext
def load_content() -> None:
    """Load the shipped questionnaires and protocols into the database (idempotent)."""
    from backend.protocols.services import load_shipped_content

    summary = _run_as_system(load_shipped_content)
    click.echo(summary)


@main.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would go; change nothing.")
@with_appcontext
def purge(dry_run: bool) -> None:
    """Purge what is past its retention period (README, "RGPD"); prints the count of
    each category. The periodic job ``retention-purge`` runs the same once a day."""
    from backend.rgpd import purge as retention

    session = db.session()
    counts = retention.purge()
    if dry_run:
        session.rollback()  # the counts are those of a real run; nothing is kept
    else:
        session.commit()
    for name, count in counts.items():
        click.echo(f"{name}: {count}")
    click.echo("dry run: nothing was changed" if dry_run else "purged")


@main.command(with_appcontext=False)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--data-dir", default="suivi-data", show_default=True,
              type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
def demo(port: int, data_dir: str, host: str) -> None:
    """Run the whole system with demo data on the embedded default (no services needed)."""
    from backend.demo import run_demo

    run_demo(host=host, port=port, data_dir=data_dir)


@main.command("sms-reply")
@click.argument("phone")
@click.argument("text")
@click.option("--server", default=None,
              help="Where the server listens, when not at SUIVI_PUBLIC_URL.")
@with_appcontext
def sms_reply(phone: str, text: str, server: str | None) -> None:
    """Send TEXT as an SMS from PHONE through the signed Twilio webhook of the running
    server, and print its reply (e.g. a demo patient answering an SMS questionnaire)."""
    from backend.webhooks.sms_reply import post_reply

    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        raise click.ClickException("TWILIO_AUTH_TOKEN is not set (the demo sets its own: run "
                                   "with SUIVI_DEMO=1 and the demo's SUIVI_DATA_DIR)")
    try:
        status, replies = post_reply(current_app.config["SUIVI_PUBLIC_URL"], token, phone,
                                     text, server)
    except OSError as error:
        raise click.ClickException(f"the server did not answer: {error}") from None
    if status != 200:
        raise click.ClickException(f"the server refused the SMS ({status}): {' '.join(replies)}")
    click.echo("\n".join(replies) if replies else "(no reply)")


def _checked(schema, data: dict) -> None:
    """The values a command was given, checked as the API checks them."""
    from marshmallow import ValidationError

    from backend.api import flatten_errors

    try:
        schema.load({key: value for key, value in data.items() if value is not None})
    except ValidationError as error:
        raise click.ClickException(
            "; ".join(flatten_errors(error.normalized_messages()))) from None


def _run_as_system(action):
    """Run a service from the command line in one transaction; a refusal becomes a message."""
    session = db.session()
    try:
        result = action()
        session.commit()
        return result
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(exc.message) from None


if __name__ == "__main__":
    main()
