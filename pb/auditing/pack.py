"""The auditor pack: one SQLite file (written with sqlite-utils) holding everything needed to check
a round without trusting the server: the neighbourhood's ledger entries, its signed checkpoints and
the public key, the round's anonymised ballots, the proposals on its ballot, the rule and the
result. `python -m pb.audit verify PACK` checks it; Datasette opens it."""
from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils
from flask import current_app
from sqlalchemy import select

from pb import timeutil
from pb.boards.decision_log import decisions
from pb.consultations.engagement import activities
from pb.consultations.models import Consultation, ConsultationStatus
from pb.consultations.results import published_data
from pb.extensions import db
from pb.funds.figures import financial_year_of
from pb.funds.models import Fund, FundSource, FundYear, Grant, Payment, SourceReceipt
from pb.ledger.checkpoints import key_name, public_key, verifier_key
from pb.ledger.models import AuditEntry, Checkpoint
from pb.ledger.services import log_for
from pb.neighbourhoods.models import Neighbourhood
from pb.numbers import whole_number
from pb.plans.models import OutputReport, PlanStatus
from pb.plans.outputs import output_totals
from pb.plans.progress import progress
from pb.plans.services import plan_of
from pb.proposals.models import ON_BALLOT, Proposal
from pb.reports.accounts import accounts_for
from pb.reports.models import (
    Drawdown,
    DrawdownStatus,
    FunderRepayment,
    FundingAgreement,
    MatchKind,
    MatchState,
    MonitoringReturn,
    ReturnStatus,
    StatementLine,
)
from pb.rounds.models import Round
from pb.voting.models import Ballot
from pb.voting.services import current_result, round_receipt_leaves

FORMAT = "pb-auditor-pack/1"
BATCH = 5000


def export(round_: Round, path: str | Path, progress=lambda message: None) -> dict:
    path = Path(path)
    if path.exists():
        path.unlink()
    pack = sqlite_utils.Database(path)
    log = log_for(round_.neighbourhood)
    result = current_result(round_)
    meta = {"format": FORMAT, "log": log.name, "neighbourhood": round_.neighbourhood.name, "round_id": round_.id,
            "round": round_.name, "fund_year": round_.fund_year, "phase": round_.phase, "rule": round_.counting_rule,
            "ballot_type": round_.ballot_type, "ballot_max": round_.ballot_max, "key_name": key_name(),
            "verifier_key": verifier_key(), "public_key_hex": public_key().hex(),
            # One line on how to check this file, for whoever opens it first.
            "how_to_verify": f"Download pb's verifier from {current_app.config['PB_BASE_URL'].rstrip('/')}/audit/pb-audit.pyz, "
                             f"then run: python pb-audit.pyz verify THIS-FILE --key {verifier_key()}"}
    pack["meta"].insert_all(({"key": k, "value": json.dumps(v)} for k, v in meta.items()), pk="key")
    progress("meta")

    # The two big tables (a long ledger, every ballot) go in with plain executemany over rows read as
    # tuples, in one transaction on a file nobody else is using yet: sqlite-utils' per-row checks and
    # ORM objects made a 170,000-ballot round's pack take a minute (bench/pack_export.py).
    pack.execute("PRAGMA journal_mode = OFF")
    pack.execute("PRAGMA synchronous = OFF")
    pack["entries"].create({"seq": int, "at": str, "actor": str, "action": str, "subject_type": str,
                            "subject_id": str, "payload": str, "prev_hash": str, "hash": str}, pk="seq")
    entries = db.session.execute(select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
                                        AuditEntry.subject_type, AuditEntry.subject_id, AuditEntry.payload,
                                        AuditEntry.prev_hash, AuditEntry.hash)
                                 .where(AuditEntry.log_id == log.id).order_by(AuditEntry.seq)
                                 .execution_options(yield_per=BATCH))
    with pack.conn:
        for rows in entries.partitions():
            pack.conn.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    progress(f"{pack['entries'].count:,} ledger entries")
    pack["checkpoints"].insert_all(({"id": c.id, "size": c.size, "root_hash": c.root_hash, "timestamp": c.timestamp,
                                     "reason": c.reason, "note": c.note}
                                    for c in db.session.scalars(select(Checkpoint).where(Checkpoint.log_id == log.id)
                                                                .order_by(Checkpoint.id))), pk="id")
    pack["checkpoints"].create({"id": int, "size": int, "root_hash": str, "timestamp": str, "reason": str, "note": str},
                               pk="id", if_not_exists=True)
    progress(f"{pack['checkpoints'].count} checkpoints")
    pack["pots"].insert_all(({"id": p.id, "name": p.name, "amount": p.amount} for p in round_.pots), pk="id")
    pack["proposals"].insert_all(({"id": p.id, "number": p.number, "title": p.title, "pot_id": p.pot_id, "cost": p.cost,
                                   "status": p.status}
                                  for p in db.session.scalars(select(Proposal).where(
                                      Proposal.round_id == round_.id, Proposal.status == ON_BALLOT)
                                      .order_by(Proposal.number))), pk="id")
    pack["proposals"].create({"id": int, "number": int, "title": str, "pot_id": int, "cost": int, "status": str},
                             pk="id", if_not_exists=True)
    # Ballots in random-id order, numbered 1, 2, 3 ...: no ids, trackers or keys leave the server.
    pack["ballots"].create({"n": int, "choices": str}, pk="n")
    choices = db.session.execute(select(Ballot.choices).where(Ballot.round_id == round_.id).order_by(Ballot.id)
                                 .execution_options(yield_per=BATCH))
    numbered = enumerate((json.dumps(c, sort_keys=True, separators=(",", ":")) for (c,) in choices), 1)
    with pack.conn:
        pack.conn.executemany("INSERT INTO ballots VALUES (?, ?)", numbered)
    progress(f"{pack['ballots'].count:,} ballots")
    # The receipts tree's leaves, sorted: a voter can find theirs; nothing joins it to a ballot.
    pack["receipts"].create({"n": int, "leaf": str}, pk="n")
    with pack.conn:
        pack.conn.executemany("INSERT INTO receipts VALUES (?, ?)",
                              ((n, leaf.hex()) for n, leaf in enumerate(round_receipt_leaves(round_), 1)))
    if result is not None:
        pack["result"].insert({"id": result.id, "rule": result.rule, "status": result.status,
                               "ballots_sha256": result.ballots_sha256, "ballot_count": result.ballot_count,
                               "result": json.dumps(result.result, sort_keys=True), "reason": result.reason}, pk="id")
    progress("result")
    # The neighbourhood's grants and payments: the verifier checks them against the ledger entries.
    hood_grants = db.session.scalars(select(Grant).where(Grant.neighbourhood_id == round_.neighbourhood_id)
                                     .order_by(Grant.number)).all()
    references = {g.id: g.reference for g in hood_grants}
    pack["grants"].insert_all(({"reference": g.reference, "title": g.title, "round_id": g.round_id,
                                "intervention": g.intervention,
                                "financial_year": g.fund_year.financial_year, "amount": g.amount, "status": g.status,
                                "capacity_building": g.capacity_building, "body": g.body_name,
                                "awarded_on": g.awarded_on.isoformat() if g.awarded_on else None}
                               for g in hood_grants), pk="reference")
    pack["grants"].create({"reference": str, "title": str, "round_id": int, "intervention": str,
                           "financial_year": str, "amount": int,
                           "status": str, "capacity_building": int, "body": str, "awarded_on": str},
                          pk="reference", if_not_exists=True)
    pack["payments"].insert_all(({"id": p.id, "grant": references[p.grant_id], "kind": p.kind, "status": p.status,
                                  "amount": p.amount, "paid_on": p.paid_on.isoformat(), "financial_year": p.financial_year,
                                  "spend": p.spend, "reference": p.reference}
                                 for p in db.session.scalars(select(Payment).where(Payment.grant_id.in_(list(references)))
                                                             .order_by(Payment.id)).yield_per(5000)),
                                pk="id", batch_size=5000)
    pack["payments"].create({"id": int, "grant": str, "kind": str, "status": str, "amount": int, "paid_on": str,
                             "financial_year": str, "spend": str, "reference": str}, pk="id", if_not_exists=True)
    progress(f"{pack['grants'].count} grants, {pack['payments'].count:,} payments")
    _consultations(pack, round_.neighbourhood)
    _plan(pack, round_.neighbourhood)
    _board(pack, round_.neighbourhood)
    _accounts(pack, round_.neighbourhood)
    progress(f"{pack['consultations'].count} consultations, {pack['consultation_responses'].count:,} responses")
    return {"entries": pack["entries"].count, "checkpoints": pack["checkpoints"].count,
            "ballots": pack["ballots"].count, "result": result is not None, "grants": pack["grants"].count,
            "payments": pack["payments"].count, "consultations": pack["consultations"].count,
            "plan_versions": pack["plan_versions"].count}


def _board(pack, hood) -> None:
    """The board's decision log as pb publishes it: each row names the ledger entry it stands on."""
    pack["board_decisions"].create({"seq": int, "hash": str, "on": str, "kind": str, "decided": str, "vote": str},
                                   pk="seq")
    pack["board_decisions"].insert_all({"seq": d.seq, "hash": d.hash, "on": d.on.isoformat(), "kind": d.kind,
                                        "decided": d.what, "vote": d.vote} for d in decisions(hood))


def _accounts(pack, hood) -> None:
    """What each fund's receipts and payments accounts stand on, beside the grants and payments: the money
    received, the accountable body's fees, money returned to the funder and the bank items the treasurer
    explained (never the statement's other lines: a bank's descriptions can name people); then each
    year's accounts as pb publishes them, which the verifier recomputes."""
    funds = db.session.scalars(select(Fund).where(Fund.neighbourhood_id == hood.id).order_by(Fund.id)).all()
    ids = [f.id for f in funds]
    pack["grant_funds"].create({"reference": str, "fund": int}, pk="reference")
    pack["grant_funds"].insert_all({"reference": g.reference, "fund": fy.fund_id} for g, fy in db.session.execute(
        select(Grant, FundYear).join(FundYear, FundYear.id == Grant.fund_year_id).where(Grant.neighbourhood_id == hood.id)))
    pack["fund_years"].create({"fund": int, "financial_year": str, "capacity": int}, pk=("fund", "financial_year"))
    pack["fund_years"].insert_all({"fund": y.fund_id, "financial_year": y.financial_year, "capacity": y.capacity}
                                  for y in db.session.scalars(select(FundYear).where(FundYear.fund_id.in_(ids))))
    pack["fund_receipts"].create({"id": int, "fund": int, "source": str, "amount": int, "received_on": str}, pk="id")
    pack["fund_receipts"].insert_all({"id": r.id, "fund": source.fund_id, "source": source.name, "amount": r.amount,
                                      "received_on": r.received_on.isoformat()} for r, source in db.session.execute(
        select(SourceReceipt, FundSource).join(FundSource, FundSource.id == SourceReceipt.source_id)
        .where(FundSource.fund_id.in_(ids)).order_by(SourceReceipt.id)))
    pack["drawdown_fees"].create({"drawdown": int, "fund": int, "fee": int, "received_on": str}, pk="drawdown")
    pack["drawdown_fees"].insert_all({"drawdown": d.id, "fund": a.fund_id, "fee": a.fee_on(d.amount),
                                      "received_on": d.received_on.isoformat()} for d, a in db.session.execute(
        select(Drawdown, FundingAgreement).join(FundingAgreement, FundingAgreement.id == Drawdown.agreement_id)
        .where(FundingAgreement.fund_id.in_(ids), Drawdown.status == DrawdownStatus.RECEIVED).order_by(Drawdown.id))
        if a.fee_on(d.amount))
    pack["funder_repayments"].create({"id": int, "fund": int, "amount": int, "returned_on": str}, pk="id")
    pack["funder_repayments"].insert_all({"id": r.id, "fund": a.fund_id, "amount": r.amount,
                                          "returned_on": r.returned_on.isoformat()} for r, a in db.session.execute(
        select(FunderRepayment, FundingAgreement).join(FundingAgreement, FundingAgreement.id == FunderRepayment.agreement_id)
        .where(FundingAgreement.fund_id.in_(ids)).order_by(FunderRepayment.id)))
    pack["bank_items"].create({"line": int, "fund": int, "booked_on": str, "amount": int, "note": str}, pk="line")
    pack["bank_items"].insert_all({"line": line.id, "fund": line.fund_id, "booked_on": line.booked_on.isoformat(),
                                   "amount": line.amount, "note": line.note} for line in db.session.scalars(
        select(StatementLine).where(StatementLine.fund_id.in_(ids), StatementLine.match_kind == MatchKind.EXPLAINED,
                                    StatementLine.match_state == MatchState.CONFIRMED).order_by(StatementLine.id)))
    pack["accounts"].create({"fund": int, "financial_year": str, "figures": str}, pk=("fund", "financial_year"))
    pack["monitoring_returns"].create({"id": int, "fund": int, "kind": str, "period_start": str, "period_end": str,
                                       "content": str}, pk="id")
    pack["monitoring_returns"].insert_all({"id": r.id, "fund": r.fund_id, "kind": r.kind,
                                           "period_start": r.period_start.isoformat(),
                                           "period_end": r.period_end.isoformat(), "content": json.dumps(r.submitted)}
                                          for r in db.session.scalars(select(MonitoringReturn).where(
                                              MonitoringReturn.fund_id.in_(ids),
                                              MonitoringReturn.status == ReturnStatus.SUBMITTED)
                                              .order_by(MonitoringReturn.id)))
    now = financial_year_of(timeutil.today())
    pack["accounts"].insert_all({"fund": fund.id, "financial_year": year,
                                 "figures": json.dumps(accounts_for(fund, year).figures(), sort_keys=True)}
                                for fund in funds for year in fund.financial_years if year <= now)


def _plan(pack, hood) -> None:
    """Every version of the neighbourhood's plan but those still being written, and its progress per
    intervention and year as pb shows it: the verifier checks each version against the digests the
    ledger recorded, and recomputes the progress from the pack's grants and payments."""
    pack["plan_versions"].create({"number": int, "status": str, "content": str}, pk="number")
    pack["plan_progress"].create({"intervention": str, "financial_year": str, "planned": int, "granted": int,
                                  "paid": int, "returned": int}, pk=("intervention", "financial_year"))
    pack["plan_outputs"].create({"id": int, "grant": str, "output": str, "amount": int, "reported_on": str}, pk="id")
    pack["plan_output_totals"].create({"intervention": str, "output": str, "target": int, "achieved": int},
                                      pk=("intervention", "output"))
    plan = plan_of(hood)
    if plan is None:
        return
    pack["plan_versions"].insert_all({"number": v.number, "status": v.status, "content": json.dumps(v.content)}
                                     for v in plan.versions if v.status != PlanStatus.DRAFT)
    if plan.current is None:
        return
    references = {g.id: g.reference for g in db.session.scalars(select(Grant).where(
        Grant.neighbourhood_id == hood.id))}
    pack["plan_outputs"].insert_all({"id": r.id, "grant": references[r.grant_id], "output": r.output, "amount": r.amount,
                                     "reported_on": r.reported_on.isoformat()}
                                    for r in db.session.scalars(select(OutputReport).where(
                                        OutputReport.grant_id.in_(list(references))).order_by(OutputReport.id)))
    for key, rows in output_totals(plan, plan.current).items():
        pack["plan_output_totals"].insert_all({"intervention": key, "output": o["key"], "target": o["target"],
                                               "achieved": o["achieved"]} for o in rows)
    for line in progress(plan, plan.current):
        for year in sorted(set(line.planned) | set(line.granted) | set(line.paid) | set(line.returned)):
            pack["plan_progress"].insert({"intervention": line.key, "financial_year": year,
                                          "planned": line.planned.get(year, 0), "granted": line.granted.get(year, 0),
                                          "paid": line.paid.get(year, 0), "returned": line.returned.get(year, 0)})


def _consultations(pack, hood) -> None:
    """The neighbourhood's consultations with published results, their responses as published (the
    verifier recounts them against the ledger), and the engagement log without its photos."""
    published = db.session.scalars(select(Consultation).where(
        Consultation.neighbourhood_id == hood.id, Consultation.status == ConsultationStatus.PUBLISHED)
        .order_by(Consultation.id)).all()
    pack["consultations"].create({"id": int, "title": str, "questions": str}, pk="id")
    pack["consultation_responses"].create({"consultation_id": int, "id": str, "method": str, "answers": str},
                                          pk=("consultation_id", "id"))
    for consultation in published:
        data = published_data(consultation)
        pack["consultations"].insert({"id": consultation.id, "title": consultation.title,
                                      "questions": json.dumps(data["questions"], sort_keys=True)})
        pack["consultation_responses"].insert_all(
            ({"consultation_id": consultation.id, "id": r["id"], "method": r["method"],
              "answers": json.dumps(r["answers"], sort_keys=True)} for r in data["responses"]), batch_size=5000)
    pack["engagement"].create({"id": int, "kind": str, "held_on": str, "place": str, "people": int, "by_age": str,
                               "note": str}, pk="id")
    pack["engagement"].insert_all({"id": a.id, "kind": a.kind, "held_on": a.held_on.isoformat(), "place": a.place,
                                   "people": a.people, "by_age": json.dumps(a.by_age, sort_keys=True), "note": a.note}
                                  for a in activities(hood))


def find_round(spec: str):
    """A round by id, or SLUG/ID."""
    slug, _, number = spec.rpartition("/")
    round_id = whole_number(number)
    round_ = db.session.get(Round, round_id) if round_id is not None else None
    if round_ is None or not slug:
        return round_
    hood = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == slug))
    return round_ if hood is not None and round_.neighbourhood_id == hood.id else None

