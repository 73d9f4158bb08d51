"""What answering for the money holds about a person, for pb.privacy: that they are a funding
agreement's named officer or funder's representative, and the drawdowns, repayments and bank
reconciliation they recorded. All of it is an official act on public money: kept, not erased. Bank
statement lines are the account's own record (what the bank printed), shown to treasurers only."""
from __future__ import annotations

from sqlalchemy import or_, select

from pb.accounts.personal import iso
from pb.extensions import db

from .models import BankStatement, Drawdown, FundingAgreement

HEADING = "Funding agreements and the bank"
HELD = {}
KEPT = {
    "funding_agreement.body_contact_id": "the accountable body's officer named on a funding agreement: an official role",
    "funding_agreement.funder_contact_id": "the funder's representative named on a funding agreement: an official role",
    "funding_agreement.created_by_id": "the facilitator who recorded a funding agreement: an official act",
    "agreement_version.created_by_id": "the facilitator who recorded a version of a funding agreement: an official act",
    "drawdown.requested_by_id": "the officer who asked for a drawdown: an official act",
    "drawdown.decided_by_id": "the funder's representative who decided a drawdown: an official act",
    "funder_repayment.recorded_by_id": "the treasurer who recorded money paid back to the funder: an official act",
    "bank_statement.imported_by_id": "the treasurer who imported a bank statement: an official act",
    "statement_line.confirmed_by_id": "the treasurer who confirmed a statement line's match: an official act",
    "monitoring_return.created_by_id": "the facilitator who started a monitoring return: an official act",
    "monitoring_return.board_approved_by_id": "the board member who approved a return: an official act",
    "monitoring_return.body_approved_by_id": "the accountable body's officer who approved a return: an official act",
    "monitoring_return.submitted_by_id": "the facilitator who submitted a return: an official act",
    "risk_entry.created_by_id": "the facilitator who added a risk to the register: an official act",
    "annual_report.created_by_id": "the facilitator who drafted an annual report: an official act",
}
NOT_ABOUT_PEOPLE = {
    "funding_agreement.funder_name": "the funder's name: an organisation",
    "funding_agreement.body_name": "the accountable body's name: an organisation",
    "bank_statement.filename": "the name of the file the bank exported",
}


def personal_data(user) -> list[tuple]:
    named = db.session.scalars(select(FundingAgreement).where(or_(
        FundingAgreement.body_contact_id == user.id, FundingAgreement.funder_contact_id == user.id))
        .order_by(FundingAgreement.id)).all()
    return [
        ("funding_agreements_named_in", "Funding agreements you are named in",
         [{"agreement": a.reference, "funder": a.funder_name, "accountable_body": a.body_name,
           "you_are": "the accountable body's officer" if a.body_contact_id == user.id else "the funder's representative"}
          for a in named]),
        ("drawdowns", "Drawdowns you asked for or decided",
         [{"drawdown": d.reference, "amount_pence": d.amount, "requested_on": iso(d.requested_on),
           "decided_on": iso(d.decided_on), "status": d.status,
           "you": "asked for it" if d.requested_by_id == user.id else "decided it"}
          for d in db.session.scalars(select(Drawdown).where(or_(Drawdown.requested_by_id == user.id,
                                                                 Drawdown.decided_by_id == user.id))
                                      .order_by(Drawdown.id))]),
        ("bank_statements_imported", "Bank statements you imported",
         [{"first_on": iso(s.first_on), "last_on": iso(s.last_on), "lines": s.line_count}
          for s in db.session.scalars(select(BankStatement).where(BankStatement.imported_by_id == user.id)
                                      .order_by(BankStatement.id))]),
    ]


def duties(user) -> list[str]:
    return [f"You are named on funding agreement {a.reference} with {a.funder_name}: ask a facilitator to name "
            "someone else in a variation first."
            for a in db.session.scalars(select(FundingAgreement).where(or_(
                FundingAgreement.body_contact_id == user.id, FundingAgreement.funder_contact_id == user.id))
                .order_by(FundingAgreement.id))]


def erase(user, *, hide_words: bool) -> dict:
    """Nothing here is erased: every row is an official act on public money, kept with the accounts."""
    return {}
