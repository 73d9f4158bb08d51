"""Data rights done precisely: erasing one person touches only their own rows and the emails about
them; an erased voter who registers again with the same address cannot vote twice; only verified
residents count towards a nomination's 21 local people, and an erased one stops counting."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pb import privacy
from pb.accounts.models import User
from pb.assets import services as assets
from pb.extensions import db
from pb.mail import queue_email
from pb.mail.models import OutboxEmail
from pb.neighbourhoods.models import FACILITATOR, Neighbourhood
from pb.services import ServiceError
from pb.timeutil import utcnow
from pb.voting import casting
from pb.voting import services as voting
from pb.voting.models import VoterRollEntry
from tests.factories import PASSWORD, _round, make_voting_round

pytestmark = pytest.mark.both_engines  # erasure rewrites rows on each engine


def _u(person) -> User:
    return db.session.get(User, person.id)


def test_erasing_a_person_named_e_leaves_other_peoples_emails_alone(app, factory):
    erased, other = factory.person(name="e"), factory.person(name="Evelyn Greene")
    with app.app_context():
        for n in range(3):  # three sent emails to someone else, full of the letter e
            email = queue_email(other.email, f"Your password was changed ({n})", "password_changed", user=_u(other))
            email.sent_at = utcnow()
        queue_email(other.email, "Reset your password", "password_changed", user=_u(other))
        db.session.commit()
        before = [(e.subject, e.body, e.sent_at is not None) for e in
                  db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == other.email).order_by(OutboxEmail.id))]
        privacy.erase(_u(erased), PASSWORD, hide_words=False)
        after = [(e.subject, e.body, e.sent_at is not None) for e in
                 db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == other.email).order_by(OutboxEmail.id))]
        assert after == before and len(after) == 4


def test_an_email_about_the_erased_person_loses_their_name(app, factory):
    from tests.factories import make_proposal, make_round

    ref = make_round(factory)
    author = factory.resident(ref.hood)
    commenter = factory.resident(ref.hood, name="Zara Quill")
    pid, _ = make_proposal(factory, ref, author)
    with app.app_context():
        from pb.proposals import deliberation
        from pb.proposals.models import Proposal
        deliberation.add_comment(db.session.get(Proposal, pid), _u(commenter), "Good idea, I would use it", "for")
        notice = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == author.email)
                                    .order_by(OutboxEmail.id.desc())).first()
        assert "Zara Quill commented" in notice.body and notice.about_user_id == commenter.id
        privacy.erase(_u(commenter), PASSWORD, hide_words=False)
        notice = db.session.get(OutboxEmail, notice.id)
        assert "Zara Quill" not in notice.body and privacy.FORMER_RESIDENT in notice.body


def test_an_erased_voter_registered_again_cannot_vote_twice(app, factory):
    round_ref, ids = make_voting_round(factory)
    voter = factory.resident(round_ref.hood, email="twice@example.org")
    choices = {round_ref.pot_ids[1]: [ids[1]]}
    with app.app_context():
        voting.cast_ballot(_round(round_ref), _u(voter), choices)
        privacy.erase(_u(voter), PASSWORD, hide_words=False)
    again = factory.resident(round_ref.hood, email="twice@example.org")
    with app.app_context():
        with pytest.raises(ServiceError, match="already voted in this round, from an account that has since been closed"):
            voting.cast_ballot(_round(round_ref), _u(again), choices)
        # The database refuses it too, whatever code writes the roll.
        db.session.add(casting.roll_entry(_round(round_ref), _u(again), "paper"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(VoterRollEntry)
                                 .where(VoterRollEntry.round_id == round_ref.id)) == 1


def test_only_verified_residents_count_towards_a_nominations_local_people(app, factory):
    hood = factory.neighbourhood()
    starter = factory.resident(hood)
    facilitator = factory.with_role(hood, FACILITATOR)
    unverified = factory.resident(hood, verified=False)
    leaver = factory.resident(hood)
    with app.app_context():
        from pb.timeutil import as_of
        with as_of(date(2027, 1, 10)):
            pub = assets.register_asset(db.session.get(Neighbourhood, hood.id), _u(starter), assets.AssetInput(
                name="The Red Lion", address="1 High Street", postcode="EB1 1AA", kind="pub", owner="Brewery",
                why="The last pub"))
            nomination = assets.start_nomination(pub, _u(starter), group_name="Friends", group_kind="unincorporated")
            assets.support_nomination(nomination, _u(facilitator))  # may add a name, which does not count
            with pytest.raises(ServiceError, match="Only verified residents"):
                assets.support_nomination(nomination, _u(unverified))
            assets.support_nomination(nomination, _u(leaver))
            assert (len(nomination.supporters), nomination.local_count, nomination.needs) == (3, 2, 19)
            privacy.erase(_u(leaver), PASSWORD, hide_words=False)
            assert (nomination.local_count, nomination.needs) == (1, 20)
