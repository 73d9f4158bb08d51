"""Reconciling the holding account: a treasurer imports the bank's statement; pb suggests which
recorded payment, receipt, fee or repayment each line is (the same amount, then a reference the line
quotes, then the nearest day); the treasurer confirms each suggestion, picks another, or explains a
line pb has no record of (a bank charge). Each change is one ledger entry, in its transaction, under
the fund's statement lock (the fund's row)."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select, update

from pb import timeutil
from pb.accounts.models import User
from pb.bulk import insert_rows, reserve_ids
from pb.extensions import db
from pb.funds.models import Fund
from pb.ledger.services import record
from pb.neighbourhoods.models import TREASURER
from pb.neighbourhoods.services import require_role
from pb.services import ServiceError, under_lock

from .bankfile import Layout, StatementError, read_statement
from .ledgerside import Movement, movements
from .models import BankStatement, MatchKind, MatchState, StatementLine

MATCH_WINDOW = timedelta(days=14)  # a payment clears within two weeks of the day pb recorded it
MAX_CONFIRM = 5_000  # lines confirmed in one go


def fund_lock(fund: Fund, *args, **kwargs):
    return (Fund, fund.id)


def line_lock(line: StatementLine, *args, **kwargs):
    return (Fund, line.fund_id)


def _treasurer(actor: User, fund: Fund) -> None:
    require_role(actor, fund.neighbourhood_id, TREASURER, "Only treasurers reconcile the bank statement")


@under_lock(fund_lock)
def import_statement(fund: Fund, actor: User, *, data: bytes, filename: str = "",
                     mapping: Layout | None = None) -> BankStatement:
    """Import every line, or none: a bad line, a file already imported, or a line already imported
    from another statement refuses the whole file, naming each."""
    _treasurer(actor, fund)
    if not data:
        raise ServiceError("Choose the statement's CSV file", field="file")
    try:
        statement = read_statement(data, mapping)
    except StatementError as error:
        raise ServiceError(error.message + (": " + "; ".join(error.problems[:20]) if error.problems else "") +
                           (f"; and {len(error.problems) - 20} more" if len(error.problems) > 20 else ""),
                           field="file") from None
    digest = hashlib.sha256(data).hexdigest()
    earlier = db.session.scalar(select(BankStatement).where(BankStatement.fund_id == fund.id,
                                                            BankStatement.sha256 == digest))
    if earlier is not None:
        raise ServiceError(f"This statement was already imported on {earlier.imported_at:%-d %B %Y}", field="file")
    first, last = min(line.booked_on for line in statement.lines), max(line.booked_on for line in statement.lines)
    if last > timeutil.today():
        raise ServiceError(f"The statement has a line dated {last:%-d %B %Y}, which is in the future", field="file")
    known = defaultdict(list)
    for line_number, on, description, amount, imported_at in db.session.execute(
            select(StatementLine.line_number, StatementLine.booked_on, StatementLine.description, StatementLine.amount,
                   BankStatement.imported_at).join(BankStatement, BankStatement.id == StatementLine.statement_id)
            .where(StatementLine.fund_id == fund.id, StatementLine.booked_on.between(first, last))):
        known[(on, description, amount)].append((line_number, imported_at))
    repeated = []
    for line in statement.lines:
        seen = known.get((line.booked_on, line.description, line.amount))
        if seen:
            number, imported_at = seen.pop(0)
            repeated.append(f"line {line.line_number} (line {number} of the statement imported {imported_at:%-d %B %Y})")
    if repeated:
        raise ServiceError(f"Nothing was imported: {len(repeated)} line{'s are' if len(repeated) != 1 else ' is'} already "
                           "in a statement imported before: " + "; ".join(repeated[:10]) +
                           (f"; and {len(repeated) - 10} more" if len(repeated) > 10 else "") +
                           ". Export only the days since the last statement", field="file")
    filename = (filename or "").strip()[:200]
    bank_statement = BankStatement(fund_id=fund.id, filename=filename, layout=statement.layout, sha256=digest,
                                   first_on=first, last_on=last, line_count=len(statement.lines),
                                   imported_by_id=actor.id)
    db.session.add(bank_statement)
    db.session.flush()
    table = StatementLine.__table__
    ids = reserve_ids(table, len(statement.lines))
    insert_rows(table, ({"id": line_id, "statement_id": bank_statement.id, "fund_id": fund.id,
                         "line_number": line.line_number, "booked_on": line.booked_on, "description": line.description,
                         "amount": line.amount, "balance": line.balance, "match_kind": None, "match_id": None,
                         "match_state": None, "note": "", "confirmed_by_id": None, "confirmed_at": None}
                        for line_id, line in zip(ids, statement.lines, strict=True)))
    suggested = _suggest(fund.id, bank_statement.id)
    record("bank.statement_imported", bank_statement, actor=actor, neighbourhood=fund.neighbourhood,
           payload={"fund": fund.id, "sha256": digest, "layout": statement.layout, "lines": len(statement.lines),
                    "first_on": first.isoformat(), "last_on": last.isoformat(),
                    "money_in": sum(line.amount for line in statement.lines if line.amount > 0),
                    "money_out": -sum(line.amount for line in statement.lines if line.amount < 0),
                    "suggested": suggested})
    return bank_statement


def _suggest(fund_id: int, statement_id: int | None = None) -> int:
    """Suggest a match for every unmatched line (of one statement, or all the fund's): the same amount,
    a reference the line quotes first, then the nearest day within MATCH_WINDOW. Returns how many."""
    query = select(StatementLine).where(StatementLine.fund_id == fund_id, StatementLine.match_kind.is_(None))
    if statement_id is not None:
        query = query.where(StatementLine.statement_id == statement_id)
    lines = list(db.session.scalars(query))
    if not lines:
        return 0
    first = min(line.booked_on for line in lines) - MATCH_WINDOW
    last = max(line.booked_on for line in lines) + MATCH_WINDOW
    taken = set(db.session.execute(select(StatementLine.match_kind, StatementLine.match_id).where(
        StatementLine.fund_id == fund_id, StatementLine.match_id.is_not(None))))
    by_amount: dict[int, list[Movement]] = defaultdict(list)
    for movement in movements(fund_id, first, last):
        if movement.key not in taken:
            by_amount[movement.amount].append(movement)
    pairs = []
    for line in lines:
        words = line.description.lower()
        for movement in by_amount.get(line.amount, ()):
            days = abs((line.booked_on - movement.on).days)
            quoted = bool(movement.reference) and movement.reference.lower() in words
            if quoted or days <= MATCH_WINDOW.days:
                pairs.append((0 if quoted else 1, days, line.line_number, line, movement))
    pairs.sort(key=lambda p: p[:3])
    used_lines, used_movements, values = set(), set(), []
    for _quoted, _days, _number, line, movement in pairs:
        if line.id in used_lines or movement.key in used_movements:
            continue
        used_lines.add(line.id)
        used_movements.add(movement.key)
        values.append({"line_id": line.id, "kind": str(movement.kind), "match": movement.id})
    if values:  # one UPDATE executed for every line (by primary key), not a statement per line
        db.session.execute(update(StatementLine), [
            {"id": v["line_id"], "match_kind": v["kind"], "match_id": v["match"], "match_state": MatchState.SUGGESTED}
            for v in values])
    db.session.expire_all()
    return len(values)


@under_lock(fund_lock)
def suggest_again(fund: Fund, actor: User) -> int:
    """Look again for matches, after recording payments the statement showed were missing."""
    _treasurer(actor, fund)
    return _suggest(fund.id)


@under_lock(fund_lock)
def confirm_suggested(fund: Fund, actor: User, *, line_ids: list[int]) -> int:
    """Confirm the suggested matches of these lines (those the treasurer ticked), in one entry."""
    _treasurer(actor, fund)
    lines = list(db.session.scalars(select(StatementLine).where(
        StatementLine.fund_id == fund.id, StatementLine.id.in_(line_ids[:MAX_CONFIRM]),
        StatementLine.match_state == MatchState.SUGGESTED).order_by(StatementLine.id)))
    if not lines:
        raise ServiceError("Tick at least one suggested match to confirm it", field="line_ids")
    now = timeutil.utcnow()
    for line in lines:
        line.match_state, line.confirmed_by_id, line.confirmed_at = MatchState.CONFIRMED, actor.id, now
    record("bank.matches_confirmed", fund, actor=actor, neighbourhood=fund.neighbourhood,
           payload={"fund": fund.id, "matches": [[line.id, line.booked_on.isoformat(), line.amount, line.match_kind,
                                                  line.match_id] for line in lines]})
    return len(lines)



@under_lock(line_lock)
def match_line(line: StatementLine, actor: User, *, choice: str, note: str = "") -> StatementLine:
    """Correct one line: match it to a recorded movement of the same amount ("payment:12"), explain
    it as a bank item pb has no record of ("explained", with a note), or clear it ("clear")."""
    fund = db.session.get(Fund, line.fund_id)
    _treasurer(actor, fund)
    was = [line.match_kind, line.match_id, line.match_state]
    note = (note or "").strip()
    if choice == "clear":
        line.match_kind = line.match_id = line.match_state = None
        line.note, line.confirmed_by_id, line.confirmed_at = "", None, None
    elif choice == "explained":
        if not note:
            raise ServiceError("Say what this line is (a bank charge, interest ...): it shows on the accounts",
                               field="note")
        if len(note) > 300:
            raise ServiceError("Keep the note to 300 characters or fewer", field="note")
        line.match_kind, line.match_id, line.note = MatchKind.EXPLAINED, None, note
    else:
        kind, _, raw_id = (choice or "").partition(":")
        movement = next((m for m in candidates(line) if str(m.kind) == kind and str(m.id) == raw_id), None)
        if movement is None:
            raise ServiceError("Choose one of the recorded payments or receipts of the same amount", field="choice")
        line.match_kind, line.match_id, line.note = movement.kind, movement.id, ""
    if choice != "clear":
        line.match_state, line.confirmed_by_id, line.confirmed_at = MatchState.CONFIRMED, actor.id, timeutil.utcnow()
    db.session.flush()
    record("bank.line_matched" if choice not in ("clear", "explained") else
           "bank.line_explained" if choice == "explained" else "bank.match_cleared", line, actor=actor,
           neighbourhood=fund.neighbourhood,
           payload={"fund": fund.id, "line": line.id, "on": line.booked_on.isoformat(), "amount": line.amount,
                    "kind": line.match_kind, "match": line.match_id, "note": line.note, "was": was})
    return line


def candidates(line: StatementLine) -> list[Movement]:
    """What this line could be: recorded movements of the same amount, not matched to another line,
    within a year of its day, nearest first."""
    taken = set(db.session.execute(select(StatementLine.match_kind, StatementLine.match_id).where(
        StatementLine.fund_id == line.fund_id, StatementLine.match_id.is_not(None),
        StatementLine.id != line.id)))
    year = timedelta(days=366)
    found = [m for m in movements(line.fund_id, line.booked_on - year, line.booked_on + year)
             if m.amount == line.amount and m.key not in taken]
    return sorted(found, key=lambda m: abs((m.on - line.booked_on).days))


def statements_of(fund: Fund) -> list[BankStatement]:
    return list(db.session.scalars(select(BankStatement).where(BankStatement.fund_id == fund.id)
                                   .order_by(BankStatement.first_on, BankStatement.id)))


def lines_between(fund_id: int, first: date, last: date) -> list[StatementLine]:
    return list(db.session.scalars(select(StatementLine).where(
        StatementLine.fund_id == fund_id, StatementLine.booked_on.between(first, last))
        .order_by(StatementLine.booked_on, StatementLine.statement_id, StatementLine.line_number)))


def counts(fund_id: int, first: date, last: date) -> dict[str, int]:
    """Lines in these days by state: unmatched, suggested, confirmed."""
    out = {"unmatched": 0, "suggested": 0, "confirmed": 0}
    for state, kind, number in db.session.execute(
            select(StatementLine.match_state, StatementLine.match_kind, func.count()).where(
                StatementLine.fund_id == fund_id, StatementLine.booked_on.between(first, last))
            .group_by(StatementLine.match_state, StatementLine.match_kind)):
        key = "unmatched" if kind is None else "confirmed" if state == MatchState.CONFIRMED else "suggested"
        out[key] += number
    return out


def describe(line: StatementLine, by_key: dict) -> str:
    if line.match_kind == MatchKind.EXPLAINED:
        return f"Not in pb: {line.note}"
    movement = by_key.get((line.match_kind, line.match_id))
    return movement.says if movement else ""



def matched_anywhere(fund_id: int) -> list[StatementLine]:
    """Every line of the fund's statements matched to a recorded movement (any year: a payment made on
    31 March may clear in April)."""
    return list(db.session.scalars(select(StatementLine).where(StatementLine.fund_id == fund_id,
                                                               StatementLine.match_id.is_not(None))))
