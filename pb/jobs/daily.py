"""The daily jobs, each a generator of progress lines: the scheduled tasks (pb.jobs.tasks) log them
and the operator's commands (pb.cli) print them, so both run the same code."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from pb import backup, phases, throttle
from pb.accounts.sessions import purge_expired
from pb.assets.reminders import remind as remind_assets
from pb.boards.register import remind_confirmations
from pb.consultations.building import close_if_due
from pb.consultations.following import send_closing_reminders
from pb.consultations.models import Consultation, ConsultationStatus
from pb.extensions import db
from pb.funds.delivery import remind_overdue
from pb.ledger.checkpoints import checkpoint_if_grown, latest
from pb.ledger.models import AuditLog
from pb.neighbourhoods.models import Neighbourhood
from pb.privacy import SENT_EMAILS_KEPT, purge
from pb.reports.returns import remind as returns_due
from pb.rounds.models import PHASE_LABELS
from pb.services import ServiceError

BACKUPS_KEPT = 14  # the daily backup job keeps this many in instance/backups/


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class Outcome:
    """What a job did, for its last line; `failed` makes the command exit non-zero."""

    def __init__(self):
        self.failed = 0


def advance_rounds(today: date, outcome: Outcome):
    """Move every round whose next phase's planned date has come."""
    due = phases.due_rounds(today)
    yield f"{_plural(len(due), 'round')} due to move on ({today.isoformat()})."
    moved = 0
    for number, round_ in enumerate(due, 1):
        label = f"[{number}/{len(due)}] {round_.neighbourhood.slug}: {round_.name}"
        # A round whose dates passed while nobody ran this moves through each phase in turn.
        while round_.next_phase() and round_.start_of(round_.next_phase()) is not None \
                and round_.start_of(round_.next_phase()) <= today:
            try:
                target = phases.advance_phase(round_, None, automatic=True)
            except ServiceError as error:
                outcome.failed += 1
                yield f"{label}: stays in ‘{PHASE_LABELS[round_.phase]}’. {error.message}"
                break
            moved += 1
            yield f"{label}: now ‘{PHASE_LABELS[target]}’"
    yield f"{_plural(moved, 'phase change')}, {_plural(outcome.failed, 'round')} blocked."


def consultations(today: date, outcome: Outcome):
    """Close each consultation whose last day has passed; remind followers three days before one closes."""
    due = db.session.scalars(select(Consultation).where(Consultation.status == ConsultationStatus.APPROVED,
                                                        Consultation.closes_on < today).order_by(Consultation.id)).all()
    for number, consultation in enumerate(due, 1):
        close_if_due(consultation, today)
        yield f"[{number}/{len(due)}] {consultation.neighbourhood.slug}: ‘{consultation.title}’ closed"
    reminded = send_closing_reminders(today)
    yield f"{_plural(len(due), 'consultation')} closed, {_plural(reminded, 'reminder')} queued ({today.isoformat()})."


def remind_money(today: date, outcome: Outcome):
    """Email groups whose progress update or milestone is overdue, and their neighbourhood's staff."""
    hoods = db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.slug)).all()
    total = 0
    for number, hood in enumerate(hoods, 1):
        reminded = remind_overdue(hood, today)
        total += len(reminded)
        if reminded:
            yield f"[{number}/{len(hoods)}] {hood.slug}: reminded about {', '.join(reminded)}"
    yield (f"{_plural(total, 'grant')} with an overdue update or milestone reminded about in "
           f"{_plural(len(hoods), 'neighbourhood')} ({today.isoformat()}).")


def remind_board(today: date, outcome: Outcome):
    """Email board members whose register of interests is due to be confirmed (or a month overdue)."""
    hoods = db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.slug)).all()
    total = 0
    for number, hood in enumerate(hoods, 1):
        reminded = remind_confirmations(hood, today)
        total += len(reminded)
        if reminded:
            yield f"[{number}/{len(hoods)}] {hood.slug}: reminded {', '.join(reminded)}"
    yield (f"{_plural(total, 'board member')} reminded to confirm their register in "
           f"{_plural(len(hoods), 'neighbourhood')} ({today.isoformat()}).")


def remind_returns(today: date, outcome: Outcome):
    """Email facilitators once when a monitoring return is due within two weeks, and once when it is late."""
    hoods = db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.slug)).all()
    total = 0
    for number, hood in enumerate(hoods, 1):
        reminded = returns_due(hood, today)
        total += len(reminded)
        if reminded:
            yield f"[{number}/{len(hoods)}] {hood.slug}: reminded about {', '.join(reminded)}"
    yield (f"{_plural(total, 'return')} reminded about in {_plural(len(hoods), 'neighbourhood')} "
           f"({today.isoformat()}).")


def remind_about_assets(today: date | None, outcome: Outcome):
    """Email followers six months before a listing ends, a week before each deadline and when it passes."""
    total = 0
    for hood in db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.slug)).all():
        for line in remind_assets(hood, today):
            total += 1
            yield f"{hood.slug} {line}"
    yield f"{_plural(total, 'reminder')} sent."


def sign_checkpoints(logs: list[AuditLog], outcome: Outcome, reason: str):
    """Sign a checkpoint of every log that has grown since its last one."""
    signed = 0
    for n, log in enumerate(logs, 1):
        try:
            row = checkpoint_if_grown(log, reason)
        except ServiceError as error:
            outcome.failed += 1
            yield f"[{n}/{len(logs)}] FAIL {log.name}: {error.message}"
            continue
        if row is None:
            last = latest(log)
            yield f"[{n}/{len(logs)}] {log.name}: nothing new since the checkpoint at {last.size if last else 0:,} entries"
        else:
            signed += 1
            yield f"[{n}/{len(logs)}] {log.name}: signed at {row.size:,} entries"
    yield f"{signed} signed, {len(logs) - signed - outcome.failed} unchanged, {outcome.failed} refused."


def purge_sessions(outcome: Outcome):
    """Delete sessions past their idle or absolute limit, and stale failed sign-in attempts."""
    yield f"Deleted {purge_expired():,} expired sessions and {throttle.purge_expired():,} old failed attempts."


def purge_personal_data(outcome: Outcome):
    """The retention job (pb.privacy.retention)."""
    config = current_app.config
    years, days = config["PB_RETAIN_BIRTH_YEARS_DAYS"], config["PB_RETAIN_UNVERIFIED_DAYS"]
    yield (f"Deleting voter-roll birth years of rounds published over {years} days ago, "
           f"and unused unconfirmed accounts over {days} days old ...")
    done = purge(birth_years_after_days=years, unverified_after_days=days)
    yield (f"Deleted {done['birth_years']:,} birth years, {done['accounts']:,} accounts, "
           f"{done['sent_emails']:,} sent emails over {SENT_EMAILS_KEPT.days} days old and "
           f"{done['invitations']:,} invited addresses of ended grants.")


def back_up(today: date, outcome: Outcome):
    """A signed backup of the database into instance/backups/, keeping the last BACKUPS_KEPT. The
    instance keys are not in it (they need a passphrase: `flask --app pb backup` writes them)."""
    folder = Path(current_app.instance_path) / "backups"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / f"pb-{today.isoformat()}.pbbackup"
    db.session.remove()
    try:
        manifest = backup.create(current_app.config["SQLALCHEMY_DATABASE_URI"], target, current_app.config["PB_BACKUP_KEY"])
    except backup.BackupError as error:
        outcome.failed += 1
        yield f"The backup failed: {error}"
        return
    yield f"Backed up {sum(manifest['tables'].values()):,} rows to {target}."
    for old in sorted(folder.glob("pb-*.pbbackup"))[:-BACKUPS_KEPT]:
        old.unlink()
        yield f"Removed the old backup {old.name}."
