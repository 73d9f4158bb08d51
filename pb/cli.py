"""Admin jobs: `flask --app pb COMMAND`. Each one goes through the same service functions as the
web pages, so each change it makes is checked and audited the same way."""
from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from pb.extensions import db
from pb.jobs import daily
from pb.mail import deliver_pending
from pb.neighbourhoods.models import ROLES


def _fail(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _logs(log_name: str | None):
    """Every audit log, or the one named; stops the command when there is none."""
    from pb.ledger.models import AuditLog

    stmt = select(AuditLog).order_by(AuditLog.name)
    if log_name:
        stmt = stmt.where(AuditLog.name == log_name)
    logs = db.session.scalars(stmt).all()
    if not logs:
        _fail(f"no audit log called {log_name}" if log_name else "there are no audit logs yet")
    return logs


def _neighbourhood(slug: str):
    from pb.neighbourhoods.models import Neighbourhood

    hood = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == slug))
    if hood is None:
        _fail(f"no neighbourhood with the web address name {slug!r}")
    return hood


def _user(email: str):
    from pb.accounts.models import User

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        _fail(f"no account with the email address {email}")
    return user


def _echo_job(job, *args, **kwargs) -> None:
    """Run one of the daily jobs by hand, printing its progress; exit 1 if any part failed."""
    outcome = daily.Outcome()
    for line in job(*args, outcome, **kwargs):
        click.echo(line)
    if outcome.failed:
        sys.exit(1)


def register_commands(app: Flask) -> None:
    from pb.services import ServiceError

    @app.cli.command("demo")
    def demo():
        """Seed the fictional Eastbrook neighbourhood (safe to run again)."""
        from pb import demo as demo_data

        if demo_data.seed():
            click.echo("Demo neighbourhood ready.")
        else:
            click.echo("The demo neighbourhood is already there; nothing changed.")
        demo_data.print_logins()

    @app.cli.command("seed-scale")
    @click.option("--neighbourhoods", default=225, show_default=True, help="How many neighbourhoods.")
    @click.option("--residents", default=2_400_000, show_default=True, help="Residents in all, shared out 5,000-20,000 each at full scale.")
    def seed_scale(neighbourhoods, residents):
        """A national installation to measure (fictional): bulk-written, resumable, one neighbourhood per transaction."""
        from pb.national import seeding

        try:
            seeding.run(neighbourhoods, residents, echo=click.echo,
                        progressbar=lambda items, **kw: click.progressbar(items, file=sys.stderr, **kw))
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    assets_group = AppGroup("assets", help="Assets we want to keep: the Right to Bid's reminders.")

    @assets_group.command("remind")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Pretend today is this day.")
    def assets_remind(today):
        """Email followers six months before a listing ends, a week before each deadline and when it passes (daily)."""
        _echo_job(daily.remind_about_assets, today.date() if today else None)

    neighbourhood = AppGroup("neighbourhood", help="Create neighbourhoods.")

    @neighbourhood.command("create")
    @click.argument("slug")
    @click.argument("name")
    @click.option("--min-voting-age", default=16, show_default=True, type=int)
    def neighbourhood_create(slug, name, min_voting_age):
        """Create a neighbourhood at /n/SLUG."""
        from pb.neighbourhoods.services import create_neighbourhood

        try:
            hood = create_neighbourhood(slug=slug, name=name, min_voting_age=min_voting_age)
        except ServiceError as error:
            _fail(error.message)
        click.echo(f"Created {hood.name} at /n/{hood.slug}/. Next: flask --app pb area import {hood.slug} FILE.csv")

    area = AppGroup("area", help="Eligible postcodes of a neighbourhood.")

    @area.command("import")
    @click.argument("slug")
    @click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--replace", is_flag=True, help="Make the area exactly the file's postcodes (default: add them).")
    def area_import(slug, csv_file, replace):
        """Import postcodes from a CSV with a 'postcode' column (or one per line)."""
        from pb.neighbourhoods.services import read_postcode_csv, set_area

        hood = _neighbourhood(slug)
        click.echo(f"Reading {csv_file} ...")
        try:
            codes = read_postcode_csv(csv_file.read_text(encoding="utf-8-sig"))
        except ServiceError as error:
            _fail(error.message)
        except UnicodeDecodeError:
            _fail(f"{csv_file} is not a UTF-8 text file")
        click.echo(f"Read {len(codes):,} distinct postcodes. Saving ...")
        try:
            result = set_area(hood, codes, replace=replace, source=f"csv:{csv_file.name}")
        except ServiceError as error:
            _fail(error.message)
        click.echo(f"{hood.name}: {result['added']:,} added, {result['removed']:,} removed, {result['total']:,} in the area.")

    role = AppGroup("role", help="Give or take away roles in a neighbourhood.")

    @role.command("grant")
    @click.argument("email")
    @click.argument("slug")
    @click.argument("role_name", type=click.Choice(list(ROLES)))
    def role_grant(email, slug, role_name):
        """Give the person with EMAIL a role in the neighbourhood SLUG."""
        from pb.neighbourhoods.services import grant_role

        user, hood = _user(email), _neighbourhood(slug)
        try:
            grant_role(user, hood, role_name)
        except ServiceError as error:
            _fail(error.message)
        click.echo(f"{user.name} is now a {role_name.replace('_', ' ')} of {hood.name}.")

    admin = AppGroup("admin", help="Platform admins.")

    @admin.command("grant")
    @click.argument("email")
    def admin_grant(email):
        """Make the person with EMAIL a platform admin."""
        from pb.accounts.services import set_admin

        user = _user(email)
        set_admin(user, True)
        click.echo(f"{user.name} is now a platform admin.")

    outbox = AppGroup("outbox", help="Emails waiting to be sent.")

    @outbox.command("send")
    def outbox_send():
        """Send emails that are waiting (retries failures up to 5 times each)."""
        total_sent = total_failed = 0
        while True:
            sent, failed = deliver_pending(limit=100, echo=sys.stdout)
            total_sent, total_failed = total_sent + sent, total_failed + failed
            if sent == 0:
                break
            click.echo(f"... {total_sent} sent so far")
        click.echo(f"{total_sent} sent, {total_failed} failed.")

    audit = AppGroup("audit", help="Check and export the audit logs.")

    @audit.command("verify")
    @click.option("--log", "log_name", help="Only this log, e.g. platform or neighbourhood/eastbrook.")
    def audit_verify(log_name):
        """Re-derive every hash of every audit log and report the first problem."""
        from pb.ledger.services import verify_log

        logs = _logs(log_name)
        bad = 0
        for log in logs:
            problem = verify_log(log)
            click.echo(f"{'FAIL' if problem else 'PASS'} {log.name}: {log.head_seq:,} entries" + (f": {problem}" if problem else ""))
            bad += bool(problem)
        sys.exit(1 if bad else 0)

    @audit.command("checkpoint")
    @click.option("--log", "log_name", help="Only this log, e.g. platform or neighbourhood/eastbrook.")
    def audit_checkpoint(log_name):
        """Sign a checkpoint of every log that has grown since its last one (the worker does it daily):
        the platform's log of accounts and programmes is signed only this way."""
        _echo_job(daily.sign_checkpoints, _logs(log_name), reason="scheduled: flask audit checkpoint")

    @audit.command("export-chain")
    @click.argument("log_name")
    @click.argument("out_file", type=click.File("w", encoding="utf-8"))
    def audit_export_chain(log_name, out_file):
        """Write one log's entries as JSON lines, for `python -m pb.audit verify`."""
        from pb.ledger.models import AuditLog
        from pb.ledger.services import export_jsonl

        log = db.session.scalar(select(AuditLog).where(AuditLog.name == log_name))
        if log is None:
            _fail(f"no audit log called {log_name}")
        count = export_jsonl(log, out_file)
        click.echo(f"Wrote {count:,} entries of {log_name}.", err=True)

    @audit.command("export")
    @click.argument("round_spec", metavar="ROUND")
    @click.argument("out_file", type=click.Path(dir_okay=False, writable=True))
    def audit_export(round_spec, out_file):
        """Write an auditor pack for ROUND (its id, or SLUG/ID) as one SQLite file."""
        from pb.auditing.pack import export, find_round

        round_ = find_round(round_spec)
        if round_ is None:
            _fail(f"no round {round_spec!r}; give its number, or neighbourhood/number like eastbrook/2")
        counts = export(round_, out_file, progress=lambda message: click.echo(f"  wrote {message}", err=True))
        click.echo(f"Wrote {out_file}: {counts['entries']:,} ledger entries, {counts['checkpoints']} checkpoints, "
                   f"{counts['ballots']:,} ballots{', the result' if counts['result'] else ', no result yet'}. "
                   f"Check it with: python -m pb.audit verify {out_file}")

    rounds = AppGroup("rounds", help="Spending rounds.")

    @rounds.command("advance")
    @click.option("--today", "today_text", default=None, help="Act as if today were this date (YYYY-MM-DD).")
    def rounds_advance(today_text):
        """Move every round whose next phase's planned date has come (the worker does it daily)."""
        _echo_job(daily.advance_rounds, date.fromisoformat(today_text) if today_text else date.today())

    consultations = AppGroup("consultations", help="Consultations.")

    @consultations.command("daily")
    @click.option("--today", "today_text", default=None, help="Act as if today were this date (YYYY-MM-DD).")
    def consultations_daily(today_text):
        """Close consultations past their last day and remind followers before one closes (the worker does it daily)."""
        _echo_job(daily.consultations, date.fromisoformat(today_text) if today_text else date.today())

    board = AppGroup("board", help="Neighbourhood boards.")

    @board.command("remind")
    @click.option("--today", "today_text", default=None, help="Act as if today were this date (YYYY-MM-DD).")
    def board_remind(today_text):
        """Email members whose register of interests is due to be confirmed (the worker does it daily)."""
        _echo_job(daily.remind_board, date.fromisoformat(today_text) if today_text else date.today())

    returns = AppGroup("returns", help="Monitoring returns to the funder.")

    @returns.command("remind")
    @click.option("--today", "today_text", default=None, help="Act as if today were this date (YYYY-MM-DD).")
    def returns_remind(today_text):
        """Email facilitators once when a return is due within two weeks and once when it is late (the worker does it daily)."""
        _echo_job(daily.remind_returns, date.fromisoformat(today_text) if today_text else date.today())

    money = AppGroup("money", help="Funds, grants and their delivery.")

    @money.command("remind")
    @click.option("--today", "today_text", default=None, help="Act as if today were this date (YYYY-MM-DD).")
    def money_remind(today_text):
        """Email groups whose progress update or milestone is overdue, and their neighbourhood's
        facilitators and board a list (the worker does it daily; each due date is reminded about once)."""
        _echo_job(daily.remind_money, date.fromisoformat(today_text) if today_text else date.today())

    sessions = AppGroup("sessions", help="Signed-in sessions.")

    @sessions.command("purge")
    def sessions_purge():
        """Delete sessions past their idle or absolute limit, and stale failed sign-in attempts."""
        _echo_job(daily.purge_sessions)

    privacy_group = AppGroup("privacy", help="Residents' data: the retention job.")

    @privacy_group.command("purge")
    def privacy_purge():
        """Delete what pb no longer needs (the worker does it daily): voter-roll birth years of rounds
        published PB_RETAIN_BIRTH_YEARS_DAYS ago, and unconfirmed, unused accounts older than
        PB_RETAIN_UNVERIFIED_DAYS."""
        _echo_job(daily.purge_personal_data)

    @app.cli.command("backup")
    @click.argument("out_file", type=click.Path(dir_okay=False))
    @click.option("--keys/--no-keys", "with_keys", default=True,
                  help="Also write the instance keys, encrypted, to OUT_FILE.keys (default: yes).")
    def backup_command(out_file, with_keys):
        """Back up the whole database to OUT_FILE while pb keeps running; the instance keys go to
        OUT_FILE.keys, encrypted with a passphrase (PB_BACKUP_PASSPHRASE, or asked for)."""
        from pb import backup

        db.session.remove()
        try:
            manifest = backup.create(app.config["SQLALCHEMY_DATABASE_URI"], out_file, app.config["PB_BACKUP_KEY"],
                                     progress=lambda m: click.echo(f"  {m}"))
            click.echo(f"Backed up {sum(manifest['tables'].values()):,} rows in {len(manifest['tables'])} tables "
                       f"({manifest['engine']}, migration {manifest['revision']}) to {out_file}.")
            if with_keys:
                passphrase = os.environ.get("PB_BACKUP_PASSPHRASE") or click.prompt(
                    "Passphrase for the keys file (12+ characters)", hide_input=True, confirmation_prompt=True)
                names = backup.write_keys(app.instance_path, f"{out_file}.keys", passphrase)
                click.echo(f"Wrote {', '.join(names)} to {out_file}.keys, encrypted. Keep it apart from the backup.")
        except backup.BackupError as exc:
            _fail(str(exc))

    @app.cli.command("restore")
    @click.argument("backup_file", type=click.Path(dir_okay=False))
    @click.option("--keys", "keys_file", type=click.Path(exists=True, dir_okay=False),
                  help="The OUT_FILE.keys written with the backup: its keys go into instance/.")
    def restore_command(backup_file, keys_file):
        """Restore BACKUP_FILE onto this installation's empty database (and, with --keys, its keys).
        Refused, with nothing changed, if the file is not a whole pb backup or the database holds data."""
        from pb import backup

        db.session.remove()
        db.engine.dispose()
        try:
            keys = None
            if keys_file:
                passphrase = os.environ.get("PB_BACKUP_PASSPHRASE") or click.prompt("Passphrase for the keys file", hide_input=True)
                keys = backup.read_keys(keys_file, passphrase)  # before the database: a wrong passphrase changes nothing
            # The signature is checked with the backup key of the installation that made it: the keys
            # file's, when restoring onto a new machine; else this installation's own.
            key = (keys or {}).get("backup_key") or app.config["PB_BACKUP_KEY"]
            manifest = backup.restore(app.config["SQLALCHEMY_DATABASE_URI"], backup_file, key,
                                      progress=lambda m: click.echo(f"  {m}"))
            click.echo(f"Restored {sum(manifest['tables'].values()):,} rows taken {manifest['created_at']} "
                       f"(migration {manifest['revision']}).")
            if keys:
                names = backup.install_keys(keys, app.instance_path)
                click.echo(f"Restored the keys {', '.join(names)} into {app.instance_path}.")
            click.echo("Next: flask --app pb db upgrade, then flask --app pb audit verify.")
        except backup.BackupError as exc:
            _fail(str(exc))

    for group in (privacy_group, assets_group, neighbourhood, area, role, admin, outbox, audit, rounds, consultations, board,
                  returns, money, sessions):
        app.cli.add_command(group)
