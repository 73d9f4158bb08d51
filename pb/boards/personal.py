"""What the board holds about a person, for pb.privacy: the seats they held, their register of
interests, its confirmations and their acceptance of the code of conduct. Sitting on the board is a
public office: none of it is erased while the record is needed, but a former member's register
leaves the public pages a year after their seat ends (PUBLIC_AFTER_LEAVING)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from pb.accounts.personal import iso
from pb.extensions import db
from pb.neighbourhoods.models import Neighbourhood

from .models import (
    BoardSeat,
    Concern,
    ConductAcceptance,
    ConductCode,
    Election,
    ElectionRoll,
    RegisterConfirmation,
    RegisterEntry,
)

PUBLIC_AFTER_LEAVING = timedelta(days=365)

HEADING = "The board"
HELD = {
    "election_roll.user_id": "that you voted in an election of board seats (never how): kept with the result, "
                             "so nobody votes twice",
    "board_candidate.user_id": "that you stood for a board seat, with your statement: the election's public record",
    "board_concern.raised_by_id": "a concern you raised about the board: never in the ledger; on erasure the concern "
                                  "stays, without you",
    "board_concern.reply_email": "the address someone not signed in gave to hear a concern's outcome: cleared once "
                                 "the outcome is sent",
    "register_entry.user_id": "your register of interests: public while you sit on the board and for a year after "
                              "you leave, then kept for auditors only",
}
KEPT = {
    "board_seat.user_id": "a seat on the board, with its dates: a public office, kept as the board's history",
    "board_seat.created_by_id": "the facilitator who recorded a seat: an official act",
    "register_confirmation.user_id": "a member's confirmation of their register: part of the public record",
    "conduct_code.set_by_id": "the facilitator who set the code of conduct: an official act",
    "conduct_acceptance.user_id": "a member's acceptance of the code of conduct: part of the public record",
    "board_meeting.created_by_id": "the facilitator who scheduled a board meeting: an official act",
    "board_motion.recorded_by_id": "the facilitator who recorded a motion's vote: an official act",
    "board_election.created_by_id": "the facilitator who set up an election: an official act",
    "board_concern.handled_by_id": "the accountable body's contact who handled a concern: an official act",
}
NOT_ABOUT_PEOPLE = {"board_concern.may_name": "whether the person who raised a concern agreed to be named: a yes "
                                              "or no, cleared with the link to them on erasure"}


def personal_data(user) -> list[tuple]:
    seats = db.session.execute(select(BoardSeat, Neighbourhood.name).join(
        Neighbourhood, Neighbourhood.id == BoardSeat.neighbourhood_id).where(BoardSeat.user_id == user.id)
        .order_by(BoardSeat.id)).all()
    return [
        ("board_seats", "Your seats on neighbourhood boards",
         [{"neighbourhood": name, "seat": s.kind, "came_by": s.came_by, "started_on": iso(s.started_on),
           "term_ends_on": iso(s.term_ends_on), "ended_on": iso(s.ended_on), "end_reason": s.end_reason,
           "end_note": s.end_note} for s, name in seats]),
        ("register_of_interests", "Your register of interests",
         [{"kind": e.kind, "organisation": e.organisation, "description": e.description, "from_on": iso(e.from_on),
           "to_on": iso(e.to_on)} for e in db.session.scalars(select(RegisterEntry).where(
               RegisterEntry.user_id == user.id).order_by(RegisterEntry.id))]),
        ("register_confirmations", "When you confirmed your register",
         [{"confirmed_on": iso(c.confirmed_on), "entries": c.entries} for c in db.session.scalars(
             select(RegisterConfirmation).where(RegisterConfirmation.user_id == user.id)
             .order_by(RegisterConfirmation.id))]),
        ("concerns_raised", "Concerns you raised about a board",
         [{"number": c.number, "kind": c.kind, "about": c.about, "concern": c.text, "received_on": iso(c.received_on),
           "status": c.status, "outcome": c.outcome, "reasons": c.reasons, "may_name": c.may_name,
           "whistleblowing": c.whistleblowing} for c in db.session.scalars(
               select(Concern).where(Concern.raised_by_id == user.id).order_by(Concern.id))]),
        ("elections_voted_in", "Elections of board seats you voted in (never how)",
         [{"election": e.title, "on_paper": r.on_paper} for r, e in db.session.execute(
             select(ElectionRoll, Election).join(Election, Election.id == ElectionRoll.election_id)
             .where(ElectionRoll.user_id == user.id).order_by(ElectionRoll.id))]),
        ("code_of_conduct_accepted", "The codes of conduct you accepted",
         [{"version": code.version, "accepted_on": iso(a.accepted_on)} for a, code in db.session.execute(
             select(ConductAcceptance, ConductCode).join(ConductCode, ConductCode.id == ConductAcceptance.code_id)
             .where(ConductAcceptance.user_id == user.id).order_by(ConductAcceptance.id))]),
    ]


def duties(user) -> list[str]:
    return [f"You sit on {name}'s board: ask a facilitator to record your seat ending first."
            for name in db.session.scalars(select(Neighbourhood.name).join(
                BoardSeat, BoardSeat.neighbourhood_id == Neighbourhood.id).where(
                BoardSeat.user_id == user.id, BoardSeat.ended_on.is_(None)))]


def erase(user, *, hide_words: bool) -> dict:
    """Seats and registers are a public office's record and stay; concerns stay, without the person."""
    kept = db.session.execute(update(Concern).where(Concern.raised_by_id == user.id)
                              .values(raised_by_id=None, may_name=False)).rowcount
    return {"concerns_unlinked": kept} if kept else {}
