"""Residents' data rights: see and download everything pb holds about you; erase your account
(ballots stay counted, words stay as "A former resident", the ledger still verifies); the retention
job deletes voter-roll birth years and unused unconfirmed accounts."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text

from pb import privacy
from pb.accounts.models import User
from pb.extensions import db
from pb.ledger.models import AuditLog
from pb.ledger.services import verify_log
from pb.neighbourhoods.models import FACILITATOR
from pb.proposals import services as proposals
from pb.proposals.models import Comment, CommentFlag, Proposal
from pb.timeutil import utcnow
from pb.voting import services as voting
from pb.voting.models import Ballot, VoterRollEntry
from tests.auditing.test_pack import build_pack
from tests.factories import _round, _user, make_proposal, make_round, make_voting_round, sign_in

pytestmark = pytest.mark.both_engines  # retention and erasure rewrite rows on each engine


def _active_resident(app, factory, name="Priya Shah"):
    """A resident who commented on a proposal and voted."""
    round_ref, ids = make_voting_round(factory)
    person = factory.resident(round_ref.hood, name=name, postcode="EB1 2AA")
    with app.app_context():
        proposal = db.session.get(Proposal, ids[1])
        proposals.add_comment(proposal, _user(person), "I would use this every week, said Priya")
        voting.cast_ballot(_round(round_ref), _user(person), {round_ref.pot_ids[0]: [ids[0]], round_ref.pot_ids[1]: [ids[1]]})
    return round_ref, ids, person


def test_a_resident_sees_and_downloads_everything_pb_holds_about_them(app, client, factory):
    round_ref, ids, person = _active_resident(app, factory)
    sign_in(client, person)
    page = client.get("/account/data").get_data(as_text=True)
    for expected in ("Priya Shah", person.email, "EB1 2AA", "I would use this every week", "Rounds you voted in", "online"):
        assert expected in page, expected
    response = client.get("/account/data.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.data)
    assert data["account"]["email"] == person.email and data["account"]["year_of_birth"] == 1980
    assert data["comments"][0]["text"] == "I would use this every week, said Priya"
    assert data["voted_in"][0]["how"] == "online"
    # That they voted and how, never what they chose: that is not linked to them anywhere.
    assert set(data["voted_in"][0]) == {"neighbourhood", "round", "how", "day", "year_of_birth_on_the_roll"}


def _every_text_value(app) -> str:
    """All rows of all tables as one string: where a name or email would show if anything kept it."""
    with app.app_context():
        out = []
        for table in inspect(db.engine).get_table_names():
            for row in db.session.execute(text(f'SELECT * FROM "{table}"')):
                out.append(" ".join(str(v) for v in row))
        return "\n".join(out)


def test_erasing_an_account_removes_the_person_and_keeps_the_vote_and_the_ledger(app, client, factory):
    round_ref, ids, person = _active_resident(app, factory)
    with app.app_context():
        ballots_before = db.session.scalar(select(db.func.count()).select_from(Ballot))
    sign_in(client, person)
    form = client.get("/account/erase").get_data(as_text=True)
    assert "Any vote you cast stays counted" in form
    response = client.post("/account/erase", data={"password": person.password})
    assert response.status_code == 302 and "/account/erased" in response.location
    assert "Your account is erased" in client.get(response.location).get_data(as_text=True)
    assert client.get("/account").status_code == 302  # signed out
    everything = _every_text_value(app)
    for personal in (person.email, "Priya Shah"):
        assert personal not in everything, personal
    with app.app_context():
        erased = db.session.get(User, person.id)
        assert (erased.name, erased.postcode, erased.birth_year) == ("A former resident", "", None)
        assert db.session.scalar(select(db.func.count()).select_from(Ballot)) == ballots_before
        entry = db.session.scalar(select(VoterRollEntry).where(VoterRollEntry.user_id == person.id))
        assert entry is not None and entry.birth_year is None  # still on the roll: the ballot stays counted
        for log in db.session.scalars(select(AuditLog)):
            assert verify_log(log) is None, log.name
    page = client.get(f"/n/{round_ref.hood.slug}/proposals/{ids[1]}").get_data(as_text=True)
    assert "A former resident" in page and "I would use this every week" in page
    # The old password opens nothing, under the old email or any other.
    assert client.post("/sign-in", data={"email": person.email, "password": person.password}).status_code == 400


def test_asking_for_comments_to_be_hidden_puts_them_before_a_facilitator(app, client, factory):
    round_ref, ids, person = _active_resident(app, factory)
    sign_in(client, person)
    response = client.post("/account/erase", data={"password": person.password, "hide_words": "y"})
    assert "1 comment went to the neighbourhood" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        flag = db.session.scalar(select(CommentFlag))
        assert flag.reason == privacy.HIDE_REASON and flag.resolved_at is None
        comment = db.session.get(Comment, flag.comment_id)
        assert comment.hidden_at is None  # not hidden until a facilitator decides, with a public reason
        proposals.hide_comment(comment, _user(round_ref.facilitator), "Hidden at its author's request")
        assert db.session.get(Comment, flag.comment_id).hidden_reason == "Hidden at its author's request"


def test_asking_for_proposals_to_be_hidden_puts_them_before_a_facilitator(app, client, factory):
    round_ref, ids, person = _active_resident(app, factory)
    open_round = make_round(factory, round_ref.hood)  # open for proposals
    theirs, _ = make_proposal(factory, open_round, person, title="Pocket park benches")
    draft, _ = make_proposal(factory, open_round, person, title="Half an idea", submit=False)
    with app.app_context():
        proposal = db.session.get(Proposal, theirs)
        proposal.summary = "Benches by the pond, said Priya"
        db.session.commit()
    sign_in(client, person)
    response = client.post("/account/erase", data={"password": person.password, "hide_words": "y"})
    assert "1 comment and 1 proposal went" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Proposal, draft) is None  # never public, so simply gone

    sign_in(client, open_round.facilitator)
    slug = round_ref.hood.slug
    queue = client.get(f"/n/{slug}/rounds/{open_round.id}/review").get_data(as_text=True)
    assert "Proposals their former author asked to hide (1)" in queue and "Pocket park benches" in queue
    refused = client.post(f"/n/{slug}/proposals/{theirs}/hide", data={"reason": "", "decision": "hide"})
    assert refused.status_code == 400 and "Give the public reason" in refused.get_data(as_text=True)
    before = factory.audit_count()
    done = client.post(f"/n/{slug}/proposals/{theirs}/hide", data={"reason": "Hidden at its former author's request",
                                                                  "decision": "hide"})
    assert done.status_code == 302 and factory.audit_count() == before + 1
    page = client.get(f"/n/{slug}/proposals/{theirs}").get_data(as_text=True)
    assert "Pocket park benches" in page  # the title stays: ballots and results name it
    assert "Benches by the pond" not in page and "Reason: Hidden at its former author" in page
    listing = client.get(f"/n/{slug}/rounds/{open_round.id}/proposals").get_data(as_text=True)
    assert "Benches by the pond" not in listing and "Text hidden at its former author" in listing
    again = client.post(f"/n/{slug}/proposals/{theirs}/hide", data={"reason": "Twice", "decision": "keep"})
    assert again.status_code == 400 and "already decided" in again.get_data(as_text=True)


def test_a_facilitator_must_hand_over_before_erasing(app, client, factory):
    round_ref, _ = make_voting_round(factory)
    facilitator = factory.with_role(round_ref.hood, FACILITATOR, name="Sam Okafor")
    sign_in(client, facilitator)
    page = client.get("/account/erase").get_data(as_text=True)
    assert "First, hand over what you look after" in page
    assert f"You are facilitator of {round_ref.hood.name}" in page
    response = client.post("/account/erase", data={"password": facilitator.password})
    assert response.status_code == 200  # the form is not offered, nothing is done
    with app.app_context():
        assert db.session.get(User, facilitator.id).erased_at is None
        assert db.session.get(User, facilitator.id).name == "Sam Okafor"


def test_a_wrong_password_is_refused_next_to_the_field_and_nothing_changes(app, client, factory):
    _, _, person = _active_resident(app, factory)
    sign_in(client, person)
    response = client.post("/account/erase", data={"password": "not my password"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and 'href="#password">Your password is not right' in page
    assert client.post("/account/erase", data={}).status_code == 400
    with app.app_context():
        assert db.session.get(User, person.id).email == person.email


def test_retention_deletes_old_birth_years_and_unused_unconfirmed_accounts(app, factory, tmp_path):
    build_pack(app, factory, tmp_path, voters=4)
    idle = factory.person(name="Never Came Back")
    with app.app_context():
        stale = db.session.get(User, idle.id)
        stale.created_at, stale.email_verified_at = utcnow() - timedelta(days=400), None  # never confirmed
        db.session.commit()
        done = privacy.purge(birth_years_after_days=90, unverified_after_days=180)
        assert done["accounts"] == 1 and done["birth_years"] == 0  # the round was published today
        assert db.session.get(User, idle.id) is None
        later = privacy.purge(birth_years_after_days=90, unverified_after_days=180, now=utcnow() + timedelta(days=91))
        assert later["birth_years"] == 4
        assert db.session.scalar(select(VoterRollEntry.id).where(VoterRollEntry.birth_year.is_not(None))) is None
        for log in db.session.scalars(select(AuditLog)):
            assert verify_log(log) is None
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0 and "Deleted 0 birth years, 0 accounts, 0 sent emails over 30 days old and 0 invited addresses of ended grants." in result.output
