"""The jobs a worker runs, and the schedule of the periodic ones, in one place."""
from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy import select

from pb import mail, timeutil
from pb.auditing import packs
from pb.extensions import db
from pb.ledger.models import AuditLog
from pb.rounds.models import Round

from . import daily, huey, in_app

log = logging.getLogger("pb.jobs")

# When each periodic job runs (UTC). The operator's commands (`flask --app pb ...`) run the same
# code by hand.
SCHEDULE = {
    "send_emails": crontab(minute="*"),  # every minute: whatever a request's own job left behind
    "purge_sessions": crontab(minute="15"),  # hourly
    "advance_rounds": crontab(hour="0", minute="5"),
    "consultations": crontab(hour="0", minute="10"),  # close those past their last day; reminders
    "purge_personal_data": crontab(hour="1", minute="0"),
    "sign_checkpoints": crontab(hour="2", minute="0"),
    "back_up": crontab(hour="3", minute="0"),
    "remind_money": crontab(hour="7", minute="0"),
    "remind_about_assets": crontab(hour="7", minute="10"),
    "remind_board": crontab(hour="7", minute="20"),  # registers of interests due to be confirmed
    "remind_returns": crontab(hour="7", minute="30"),  # monitoring returns due soon or late
}


def _run(name: str, lines) -> None:
    for line in lines:
        log.info("%s: %s", name, line)


@huey.task()
@in_app
def send_emails(first: list[int] | None = None, limit: int = 100) -> int:
    """Send what is waiting, the given ids first (a request's own emails). Each batch is claimed
    first (pb.mail.claim), so any number of workers may run this at once."""
    total = 0
    while True:
        sent, failed = mail.deliver_pending(limit=limit, first=first)
        total += sent
        first = None
        if sent == 0:
            return total


@huey.task()
@in_app
def build_auditor_pack(round_id: int) -> None:
    """An auditor pack too large for a request (pb.auditing.packs), built and listed when ready."""
    round_ = db.session.get(Round, round_id)
    if round_ is not None:
        log.info("build_auditor_pack: %s", packs.build(round_))


@huey.periodic_task(SCHEDULE["send_emails"])
@in_app
def send_waiting_emails() -> None:
    sent = send_emails.call_local()
    if sent:
        log.info("send_emails: %s sent", sent)


@huey.periodic_task(SCHEDULE["purge_sessions"])
@in_app
def purge_sessions() -> None:
    _run("purge_sessions", daily.purge_sessions(daily.Outcome()))


@huey.periodic_task(SCHEDULE["consultations"])
@in_app
def consultations() -> None:
    _run("consultations", daily.consultations(timeutil.today(), daily.Outcome()))


@huey.periodic_task(SCHEDULE["remind_board"])
@in_app
def remind_board() -> None:
    _run("remind_board", daily.remind_board(timeutil.today(), daily.Outcome()))


@huey.periodic_task(SCHEDULE["remind_returns"])
@in_app
def remind_returns() -> None:
    _run("remind_returns", daily.remind_returns(timeutil.today(), daily.Outcome()))


@huey.periodic_task(SCHEDULE["advance_rounds"])
@in_app
def advance_rounds() -> None:
    _run("advance_rounds", daily.advance_rounds(timeutil.today(), daily.Outcome()))


@huey.periodic_task(SCHEDULE["purge_personal_data"])
@in_app
def purge_personal_data() -> None:
    _run("purge_personal_data", daily.purge_personal_data(daily.Outcome()))


@huey.periodic_task(SCHEDULE["sign_checkpoints"])
@in_app
def sign_checkpoints() -> None:
    logs = db.session.scalars(select(AuditLog).order_by(AuditLog.name)).all()
    _run("sign_checkpoints", daily.sign_checkpoints(logs, daily.Outcome(), "scheduled: the daily checkpoint job"))


@huey.periodic_task(SCHEDULE["back_up"])
@in_app
def back_up() -> None:
    _run("back_up", daily.back_up(timeutil.today(), daily.Outcome()))


@huey.periodic_task(SCHEDULE["remind_money"])
@in_app
def remind_money() -> None:
    _run("remind_money", daily.remind_money(timeutil.today(), daily.Outcome()))


@huey.periodic_task(SCHEDULE["remind_about_assets"])
@in_app
def remind_about_assets() -> None:
    _run("remind_about_assets", daily.remind_about_assets(None, daily.Outcome()))
