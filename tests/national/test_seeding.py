"""`flask seed-scale`: a national installation written in bulk that is indistinguishable, to the app
and to an auditor, from one made a request at a time; stopped part-way, it carries on."""
from collections import Counter

import pytest
from sqlalchemy import func, select

from pb.audit.merkle import entry_leaf, root
from pb.extensions import db
from pb.ledger import tree
from pb.ledger.models import AuditLog
from pb.ledger.services import entries_of, verify_log
from pb.national import seeding
from pb.national.models import Allocation, Programme
from pb.neighbourhoods.models import RESIDENT, Membership, Neighbourhood
from pb.rounds.models import Phase, Round
from pb.voting.models import Ballot, BallotBox, VoterRollEntry

pytestmark = pytest.mark.both_engines  # bulk loading takes a different path on each engine


def test_the_national_plan_shares_out_2_4_million_residents_as_the_issue_asks():
    plans = seeding.plan(225, 2_400_000)
    sizes = [p.residents for p in plans]
    assert sum(sizes) == 2_400_000
    assert 5_000 <= min(sizes) and max(sizes) <= 20_000
    assert sum(p.voting for p in plans) == 20
    assert max(plans, key=lambda p: p.residents).voting  # the largest round is the one to count
    assert all(0.15 <= p.turnout <= 0.30 and 0.6 <= p.verified_share <= 0.85 for p in plans)
    regions = Counter(p.region for p in plans)
    assert regions.most_common(1)[0][0] == "North West" and regions["London"] < 10
    assert len({p.slug for p in plans}) == 225 and len({seeding.postcodes(p.number, 1)[0] for p in plans}) == 225
    with pytest.raises(ValueError):
        seeding.plan(3, 20)


def _logs_are_whole(signed: bool = False):
    """Every log verifies, and its stored Merkle tree is exactly the tree of its first entries (of
    all of a neighbourhood's, once seeding signed its checkpoint)."""
    for log in db.session.scalars(select(AuditLog)):
        assert verify_log(log) is None, log.name
        leaves = [entry_leaf(e) for e in entries_of(log)]
        assert tree.root_at(log, log.tree_size) == root(leaves[:log.tree_size]), log.name
        if signed and log.neighbourhood_id is not None:
            assert log.tree_size == log.head_seq, log.name


def test_seeding_writes_whole_neighbourhoods_that_the_app_and_the_auditor_accept(app, client):
    result = app.test_cli_runner().invoke(args=["seed-scale", "--neighbourhoods", "3", "--residents", "900"])
    assert result.exit_code == 0, result.output
    assert "Seeded 3 neighbourhoods, 900 residents" in result.output
    with app.app_context():
        _logs_are_whole(signed=True)
        hoods = db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.id)).all()
        assert len(hoods) == 3
        assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.role == RESIDENT)) == 900
        for round_ in db.session.scalars(select(Round)):
            box = db.session.get(BallotBox, round_.id)
            ballots = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_.id))
            roll = db.session.scalar(select(func.count()).select_from(VoterRollEntry).where(VoterRollEntry.round_id == round_.id))
            assert box.ballots == ballots == roll > 0  # the database's own ballot box counted each one
            assert round_.phase == Phase.VOTING
        assert db.session.scalar(select(func.count()).select_from(Allocation)) == 1
        programme = db.session.scalar(select(Programme))
        slug, round_id = hoods[0].slug, db.session.scalar(select(Round.id).where(Round.neighbourhood_id == hoods[0].id))
        start = int(programme.first_year[:4])
    for url in (f"/n/{slug}/", f"/n/{slug}/rounds/{round_id}/", f"/n/{slug}/rounds/{round_id}/proposals",
                f"/n/{slug}/funds/", f"/national/{programme.id}/{start}/neighbourhoods"):
        page = client.get(url)
        assert page.status_code == 200, url
    national = client.get(f"/national/{programme.id}/{start}/neighbourhoods.csv").get_data().decode("utf-8-sig")
    assert all(hood.slug in national for hood in hoods)
    # A seeded account signs in like any other, and a ballot cast now joins the seeded ones.
    client.post("/sign-in", data={"email": f"resident1@{slug}.example", "password": seeding.PASSWORD})
    assert client.get("/account").status_code == 200


def test_a_stopped_run_leaves_whole_neighbourhoods_and_carries_on(app, monkeypatch):
    real = seeding.Seeder.ballots
    calls = []

    def fail_the_second(self, round_, p, residents, rng):
        calls.append(p.slug)
        if len(calls) == 2:
            raise KeyboardInterrupt  # someone pressed Ctrl-C half-way through a neighbourhood
        return real(self, round_, p, residents, rng)

    monkeypatch.setattr(seeding.Seeder, "ballots", fail_the_second)
    with app.app_context():
        with pytest.raises(KeyboardInterrupt):
            seeding.run(3, 600)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Neighbourhood)) == 1
        stopped = calls[1]
        assert db.session.scalar(select(func.count()).select_from(Membership).join(Neighbourhood).where(
            Neighbourhood.slug == stopped)) == 0
        from pb.accounts.models import User
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email.like(f"%@{stopped}.example"))) == 0
        _logs_are_whole()
        monkeypatch.setattr(seeding.Seeder, "ballots", real)
        again = seeding.run(3, 600)
        assert again["seeded"] == 2
        assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.role == RESIDENT)) == 600
        _logs_are_whole(signed=True)


def test_a_size_the_plan_cannot_share_out_is_refused_with_its_reason(app):
    result = app.test_cli_runner().invoke(args=["seed-scale", "--neighbourhoods", "3", "--residents", "30"])
    assert result.exit_code == 2 and "Seed at least 20 residents per neighbourhood" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Neighbourhood)) == 0
