"""One round from set-up to a ballot ready to vote on, through the web pages as each person would
use them: 30 proposals through every review outcome, merges and amendments. After every action
the neighbourhood's audit log must hold exactly one new entry, of the right kind."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pb.extensions import db
from pb.ledger.models import AuditEntry, AuditLog
from pb.ledger.services import verify_log
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR
from pb.proposals.models import Proposal
from pb.rounds.models import Phase, Round
from tests.factories import sign_in

pytestmark = pytest.mark.both_engines  # a tour of the rounds, proposals and voting services


class Log:
    def __init__(self, app, hood):
        self.app, self.hood = app, hood
        self.actions = 0

    def entries(self):
        with self.app.app_context():
            log = db.session.scalar(select(AuditLog).where(AuditLog.name == f"neighbourhood/{self.hood.slug}"))
            return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.log_id == log.id)
                                           .order_by(AuditEntry.seq)))

    def expect(self, action, response, before):
        """Like a browser: follow the redirect, read the page, then count what the log gained."""
        if response.status_code == 302:
            response = response.follow_client.get(response.location)
        page = response.get_data(as_text=True)
        problem = page.split('notice-error')[-1][:400] if "notice-error" in page else (
            page.split("There is a problem")[-1][:800] if "There is a problem" in page else None)
        assert problem is None and response.status_code == 200, problem or response.status_code
        new = self.entries()[before:]
        assert new == [action], f"expected one {action!r} entry, got {new}"
        self.actions += 1


def test_a_round_from_set_up_to_a_ballot_with_30_proposals(app, factory):
    hood = factory.neighbourhood(name="Eastbrook")
    people = {"facilitator": factory.with_role(hood, FACILITATOR), "second": factory.with_role(hood, FACILITATOR),
              "board": factory.with_role(hood, BOARD_MEMBER)}
    clients = {}
    for name, person in people.items():
        clients[name] = app.test_client()
        sign_in(clients[name], person)
    residents = [factory.resident(hood) for _ in range(34)]
    resident_clients = []
    for person in residents:
        c = app.test_client()
        sign_in(c, person)
        resident_clients.append(c)
    log = Log(app, hood)
    start = len(log.entries())
    f, board = clients["facilitator"], clients["board"]
    base = f"/n/{hood.slug}"

    def act(client, url, data, action):
        before = len(log.entries())
        response = client.post(url, data=data)
        response.follow_client = client
        log.expect(action, response, before)

    # --- set-up by a facilitator, approval by the board ---
    act(f, f"{base}/rounds/new", {"name": "Community Fund 2027/28", "fund_year": "2027/28",
                                  "total_budget": "120,000", "description": "Our money."}, "round.created")
    with app.app_context():
        round_id = db.session.scalar(select(Round.id))
    r = f"{base}/rounds/{round_id}"
    act(f, f"{r}/pots", {"name": "Community capacity", "amount": "12000", "spend_rule": "revenue",
                         "max_per_proposal": "", "description": "Ring-fenced"}, "pot.added")
    act(f, f"{r}/pots", {"name": "Open pot", "amount": "£108,000", "spend_rule": "any",
                         "max_per_proposal": "25000"}, "pot.added")
    act(f, f"{r}/rules", {"who_may_propose": "residents_and_groups", "ballot_type": "knapsack", "ballot_min": "1",
                          "ballot_max": "", "ballot_points": "", "counting_rule": "mes-add1",
                          "tie_break": "cost-votes-id", "support_cap": "12", "support_threshold": "2",
                          "max_per_proposal": ""}, "round.rules_updated")
    today = date.today()
    act(f, f"{r}/timeline", {phase: (today + timedelta(days=10 * i)).isoformat() for i, phase in enumerate(
        ["proposals", "feasibility", "deliberation", "voting", "counting", "sign_off", "published", "delivery"], 1)},
        "round.timeline_set")
    act(board, f"{r}/approve", {"decided_on": today.isoformat(), "note": "Agreed"}, "board.approved_rules")
    act(f, f"{r}/advance", {}, "round.phase_changed")

    # --- 30 proposals, drafted and submitted by 30 residents ---
    ids = []
    for n in range(30):
        pot_field = {"pot_id": _pot_id(app, round_id, 0 if n < 5 else 1)}
        data = {"title": f"Project {n + 1}", "summary": f"Summary {n + 1}", "description": "Details",
                "need": "Need", "beneficiaries": "Everyone", "place": "EB1 1AA", "category": "community",
                "group_name": "Friends of the Park" if n == 7 else "",
                "lines-0-item": "Sessions", "lines-0-kind": "revenue", "lines-0-amount": str(1000 + 250 * n),
                "lines-0-financial_year": "2027/28",
                "lines-1-item": "Next year" if n % 3 == 0 else "", "lines-1-kind": "revenue" if n % 3 == 0 else "",
                "lines-1-amount": "500" if n % 3 == 0 else "", "lines-1-financial_year": "2028/29" if n % 3 == 0 else "",
                **pot_field}
        act(resident_clients[n], f"{r}/proposals/new", data, "proposal.drafted")
        with app.app_context():
            pid = db.session.scalar(select(Proposal.id).order_by(Proposal.id.desc()).limit(1))
        ids.append(pid)
        act(resident_clients[n], f"{base}/proposals/{pid}/submit", {"answer": ""}, "proposal.submitted")
    p = [f"{base}/proposals/{pid}" for pid in ids]

    # a co-proposer and an edit after submission (a new version)
    act(resident_clients[0], f"{p[0]}/co-proposers", {"email": residents[30].email}, "proposal.co_proposer_added")
    with app.app_context():
        proposal = db.session.get(Proposal, ids[0])
        form = {"title": "Project 1, improved", "summary": proposal.summary, "description": proposal.description,
                "need": proposal.need, "beneficiaries": proposal.beneficiaries, "place": proposal.place,
                "category": proposal.category, "pot_id": proposal.pot_id, "group_name": "",
                "lines-0-item": "Sessions", "lines-0-kind": "revenue", "lines-0-amount": "1100",
                "lines-0-financial_year": "2027/28", "lines-1-item": "Next year", "lines-1-kind": "revenue",
                "lines-1-amount": "500", "lines-1-financial_year": "2028/29"}
    act(resident_clients[30], f"{p[0]}/edit", form, "proposal.edited")  # the co-proposer edits

    # --- feasibility review: every outcome ---
    act(f, f"{r}/advance", {}, "round.phase_changed")
    review = lambda i, outcome, **extra: act(  # noqa: E731
        f if i % 2 else clients["second"], f"{p[i]}/review",
        {"action": "review", "review-outcome": outcome, "review-reason": extra.get("reason", ""),
         "review-questions": extra.get("questions", "")}, "proposal.reviewed")
    for i in range(0, 18):
        review(i, "feasible")
    for i in (18, 19, 20, 21):
        review(i, "needs_changes", questions="Who will run it after the first year?")
    for i in (18, 19, 20):
        act(resident_clients[i], f"{p[i]}/submit", {"answer": "The group will, with volunteers."}, "proposal.resubmitted")
        review(i, "feasible")
    review(21, "not_feasible", reason="The proposer did not answer before review closed.")
    review(28, "feasible")
    for i in (22, 23, 24):
        review(i, "not_feasible", reason="The council already funds this.")
    act(f, f"{p[1]}/review", {"action": "cost", "cost-cost": "2,400", "cost-reason": "VAT was missed"},
        "proposal.cost_adjusted")
    act(clients["second"], f"{p[2]}/review", {"action": "cost", "cost-cost": "1200", "cost-reason": "A cheaper quote"},
        "proposal.cost_adjusted")
    act(f, f"{p[3]}/merge", {"duplicates": "P-26, P-27", "reason": "Three proposals for the same garden"},
        "proposal.merged")
    act(f, f"{p[4]}/merge", {"duplicates": "P-28", "reason": "The same festival"}, "proposal.merged")
    act(resident_clients[29], f"{p[29]}/withdraw", {"reason": "Found other funding"}, "proposal.withdrawn")

    # an interest declared, then that facilitator is refused the review
    act(clients["board"], f"{p[5]}/interest", {"description": "My daughter runs this group"}, "interest.declared")

    # --- deliberation: amendments, comments, supports ---
    act(f, f"{r}/advance", {}, "round.phase_changed")
    for i, (field, text) in enumerate([("summary", "A clearer summary"), ("title", "Project 7: gardens"),
                                       ("description", "More details")]):
        act(resident_clients[31 + i], f"{p[6 + i]}/amendments/new",
            {"field": field, "new_text": text, "reason": "Easier to understand"}, "amendment.suggested")
    with app.app_context():
        from pb.proposals.models import Amendment

        amendment_ids = list(db.session.scalars(select(Amendment.id).order_by(Amendment.id)))
    act(resident_clients[6], f"{base}/amendments/{amendment_ids[0]}", {"decision": "accept"}, "amendment.accepted")
    act(resident_clients[7], f"{base}/amendments/{amendment_ids[1]}", {"decision": "accept"}, "amendment.accepted")
    act(resident_clients[8], f"{base}/amendments/{amendment_ids[2]}",
        {"decision": "decline", "reason": "The description is already long"}, "amendment.declined")
    act(resident_clients[10], f"{p[9]}/comments", {"stance": "for", "body": "Yes please"}, "comment.posted")
    for i in range(0, 12):  # 12 proposals reach the threshold of 2 supports; the rest do not
        for supporter in (resident_clients[30], resident_clients[31]):
            act(supporter, f"{p[i]}/support", {}, "proposal.supported")

    # --- voting opens: the ballot is fixed ---
    act(f, f"{r}/advance", {}, "round.phase_changed")

    with app.app_context():
        statuses = {pid: db.session.get(Proposal, pid).status for pid in ids}
        round_ = db.session.get(Round, round_id)
        assert round_.phase == Phase.VOTING
        on_ballot = [n for n, pid in enumerate(ids) if statuses[pid] == "on_ballot"]
        assert on_ballot == list(range(12))
        assert sum(1 for s in statuses.values() if s == "not_shortlisted") == 10  # feasible but under 2 supports
        assert [statuses[ids[i]] for i in (21, 22, 23, 24)] == ["not_feasible"] * 4
        assert [statuses[ids[i]] for i in (25, 26, 27)] == ["merged"] * 3
        assert statuses[ids[29]] == "withdrawn"
        merged_into = db.session.get(Proposal, ids[3])
        assert {a.user_id for a in merged_into.authors} == {residents[3].id, residents[25].id, residents[26].id}
        assert db.session.get(Proposal, ids[1]).cost == 2400_00
        assert db.session.get(Proposal, ids[6]).summary == "A clearer summary"
        assert db.session.get(Proposal, ids[0]).title == "Project 1, improved"
        log_row = db.session.scalar(select(AuditLog).where(AuditLog.name == f"neighbourhood/{hood.slug}"))
        assert verify_log(log_row) is None
        entries = db.session.scalar(select(AuditLog.head_seq).where(AuditLog.id == log_row.id))
    # one entry per action, nothing more, nothing less
    assert entries - start == log.actions
    assert log.actions == 142


def _pot_id(app, round_id, index):
    from pb.rounds.models import Pot

    with app.app_context():
        return db.session.scalars(select(Pot.id).where(Pot.round_id == round_id).order_by(Pot.position)).all()[index]
