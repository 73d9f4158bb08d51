"""Proposals as residents, facilitators and the board use them: bad input refused with a specific
message and nothing saved; versions, comments, moderation, supports, amendments, notifications and
the list page."""
import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import event, func, select

from pb import phases
from pb.extensions import db
from pb.following import services as following
from pb.ledger.models import AuditEntry
from pb.proposals import services as proposals
from pb.proposals.models import Proposal, ProposalImage, ProposalStatus
from pb.services import ServiceError
from tests.conftest import link_in, outbox
from tests.factories import _round, _user, make_proposal, make_round, proposal_input, sign_in


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Proposal)),
                db.session.scalar(select(func.count()).select_from(AuditEntry)))


def form_data(round_ref, pot=1, **overrides):
    data = {"title": "Youth club", "summary": "A club for young people", "description": "", "need": "",
            "beneficiaries": "", "place": "", "category": "young-people", "pot_id": str(round_ref.pot_ids[pot]),
            "group_name": "", "lines-0-item": "Sessions", "lines-0-kind": "revenue", "lines-0-amount": "5000",
            "lines-0-financial_year": "2027/28"}
    data.update(overrides)
    return data


def error_page(response):
    page = response.get_data(as_text=True)
    assert response.status_code == 400, response.status_code
    assert "There is a problem" in page  # the error summary; field errors also sit by their field
    return page


@pytest.fixture
def round_ref(factory):
    return make_round(factory, max_per_proposal=30_000_00)


@pytest.mark.parametrize("amount, message", [
    ("0", "Cost line 1: amount must be more than £0"),
    ("-250", "Amount must be more than £0, not a negative amount"),
    ("lots", "Amount must be an amount in pounds, like 1250 or 1250.50"),
    ("12.345", "Amount must be in pounds and pence, with at most two decimal places, like 1250.50"),
    ("", "Cost line 1: enter the amount in pounds, like 1250 or 1250.50"),
    ("31000", "The total cost, £31,000, is more than the most one proposal may cost in this round, £30,000"),
])
def test_bad_costs_are_refused_next_to_the_cost_and_nothing_is_saved(app, factory, client, round_ref, amount, message):
    resident = factory.resident(round_ref.hood)
    sign_in(client, resident)
    before = counts(app)
    page = error_page(client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals/new",
                                  data=form_data(round_ref, **{"lines-0-amount": amount})))
    assert message in page
    assert 'href="#lines-0-amount"' in page  # the error summary links to the cell
    assert counts(app) == before


def test_a_cost_over_the_rounds_maximum_is_refused(app, factory, client):
    round_ref = make_round(factory, pots=(("Open pot", 120_000_00, "any"),), max_per_proposal=10_000_00)
    sign_in(client, factory.resident(round_ref.hood))
    page = error_page(client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals/new",
                                  data=form_data(round_ref, pot=0, **{"lines-0-amount": "6000", "lines-1-item": "Hall",
                                                                      "lines-1-kind": "capital", "lines-1-amount": "4500",
                                                                      "lines-1-financial_year": "2027/28"})))
    assert "The total cost, £10,500, is more than the most one proposal may cost in this round, £10,000" in page


@pytest.mark.parametrize("overrides, message, anchor", [
    ({"lines-0-financial_year": ""}, "Cost line 1: enter the financial year it is spent in, like 2027/28", "lines-0-financial_year"),
    ({"lines-0-financial_year": "2027"}, "Cost line 1: financial year must look like 2027/28", "lines-0-financial_year"),
    ({"lines-0-kind": ""}, "Cost line 1: choose revenue or capital", "lines-0-kind"),
    ({"lines-0-item": "", "lines-0-amount": "", "lines-0-financial_year": "", "lines-0-kind": ""},
     "Add at least one cost line: what you need, and how much it costs", "lines-0-item"),
    ({"title": ""}, "Enter a title", "title"),
    ({"summary": "x" * 301}, "Summary must be 300 characters or fewer", "summary"),
    ({"category": ""}, "Choose a category", "category"),
])
def test_incomplete_proposals_are_refused_with_a_message_on_the_field(app, factory, client, round_ref, overrides,
                                                                      message, anchor):
    sign_in(client, factory.resident(round_ref.hood))
    before = counts(app)
    page = error_page(client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals/new",
                                  data=form_data(round_ref, **overrides)))
    assert message in page and f'href="#{anchor}"' in page
    assert counts(app) == before


def test_a_capital_line_in_a_revenue_only_pot_is_refused(app, factory, client, round_ref):
    sign_in(client, factory.resident(round_ref.hood))
    page = error_page(client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals/new",
                                  data=form_data(round_ref, pot=0, **{"lines-0-kind": "capital"})))
    assert "Cost line 1: the Community capacity pot pays for revenue (running costs) only" in page


def test_unverified_residents_cannot_propose(app, factory, client, round_ref):
    sign_in(client, factory.resident(round_ref.hood, verified=False))
    before = counts(app)
    page = error_page(client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals/new",
                                  data=form_data(round_ref)))
    assert "You need to be a verified resident to put forward a proposal" in page
    assert counts(app) == before


def test_a_local_groups_contact_may_propose_unverified_when_the_round_allows_groups(app, factory, client):
    round_ref = make_round(factory, who_may_propose="residents_and_groups")
    sign_in(client, factory.resident(round_ref.hood, verified=False))
    response = client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals/new",
                           data=form_data(round_ref, group_name="Friends of Mill Lane Park"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Proposal.group_name)) == "Friends of Mill Lane Park"


def test_proposals_cannot_be_drafted_or_submitted_outside_the_proposals_phase(app, factory, client):

    round_ref = make_round(factory)
    author = factory.resident(round_ref.hood)
    draft_id, _ = make_proposal(factory, round_ref, author, submit=False)
    with app.app_context():
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
    sign_in(client, author)
    before = counts(app)
    page = error_page(client.post(f"/n/{round_ref.hood.slug}/proposals/{draft_id}/submit", data={}))
    assert "Proposals can only be submitted while proposals are open: they have closed for this round" in page
    page = error_page(client.post(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals/new", data=form_data(round_ref)))
    assert "Proposals have closed for this round" in page
    assert counts(app) == before
    with app.app_context():
        assert db.session.get(Proposal, draft_id).status == ProposalStatus.DRAFT


def test_nobody_edits_someone_elses_proposal(app, factory, client, round_ref):
    proposal_id, author = make_proposal(factory, round_ref)
    other = factory.resident(round_ref.hood)
    sign_in(client, other)
    before = counts(app)
    response = client.post(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/edit", data=form_data(round_ref, title="Mine now"))
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Only the proposal&#39;s authors can do that" in page
    assert counts(app) == before
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).title == "Youth club"
        with pytest.raises(ServiceError, match="Only the proposal's authors can change it"):
            proposals.update_proposal(db.session.get(Proposal, proposal_id), _user(other), proposal_input(round_ref))


def test_drafts_are_private_to_their_authors(app, factory, client, round_ref):
    draft_id, author = make_proposal(factory, round_ref, submit=False)
    assert client.get(f"/n/{round_ref.hood.slug}/proposals/{draft_id}").status_code == 404
    assert b"P-1" not in client.get(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals").data
    sign_in(client, author)
    assert client.get(f"/n/{round_ref.hood.slug}/proposals/{draft_id}").status_code == 200


# --- reviews ---------------------------------------------------------------------------------------

def _proposal(app, proposal_id):
    return db.session.get(Proposal, proposal_id)


def test_rejecting_needs_a_public_reason_and_questions_need_questions(app, factory, client, round_ref):
    proposal_id, _ = make_proposal(factory, round_ref)
    sign_in(client, round_ref.facilitator)
    before = counts(app)
    url = f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/review"
    page = error_page(client.post(url, data={"action": "review", "review-outcome": "not_feasible", "review-reason": " "}))
    assert "Give the public reason it is not feasible" in page and 'href="#review-reason"' in page
    page = error_page(client.post(url, data={"action": "review", "review-outcome": "needs_changes"}))
    assert "Write the questions or changes the proposer needs to answer" in page
    page = error_page(client.post(url, data={"action": "cost", "cost-cost": "0", "cost-reason": "x"}))
    assert "The adjusted cost must be more than £0" in page
    page = error_page(client.post(url, data={"action": "cost", "cost-cost": "4000", "cost-reason": ""}))
    assert "Give the public reason for adjusting the cost" in page
    assert counts(app) == before


def test_a_declared_interest_bars_the_facilitator_from_reviewing(app, factory, client, round_ref):
    proposal_id, _ = make_proposal(factory, round_ref)
    sign_in(client, round_ref.facilitator)
    client.post(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/interest", data={"description": "My brother runs it"})
    page = client.get(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/review").get_data(as_text=True)
    assert "You declared an interest in this proposal" in page
    page = error_page(client.post(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/review",
                                  data={"action": "review", "review-outcome": "feasible"}))
    assert "another facilitator must review it" in page
    with app.app_context():
        assert _proposal(app, proposal_id).status == ProposalStatus.SUBMITTED
        payload = db.session.scalar(select(AuditEntry.payload).where(AuditEntry.action == "interest.declared"))
        assert "My brother runs it" in payload  # declarations are public record


def test_the_proposer_hears_of_the_decision_and_can_answer_questions(app, factory, client, round_ref):
    proposal_id, author = make_proposal(factory, round_ref)
    sign_in(client, round_ref.facilitator)
    client.post(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/review",
                data={"action": "review", "review-outcome": "needs_changes", "review-questions": "Who runs it in year two?"})
    mail = outbox(app, author.email)
    assert mail[-1][1] == "Your proposal P-1 is needs changes"
    assert "Who runs it in year two?" in mail[-1][2] and "/unsubscribe/" in mail[-1][2]
    author_client = app.test_client()
    sign_in(author_client, author)
    page = error_page(author_client.post(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/submit", data={"answer": ""}))
    assert "Answer the facilitator&#39;s questions before resubmitting" in page
    assert author_client.post(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/submit",
                              data={"answer": "Our volunteers"}).status_code == 200
    page = client.get(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}").get_data(as_text=True)
    assert "Proposer's answer: Our volunteers" in page


def test_unsubscribing_from_proposal_emails_takes_one_step_and_sticks(app, factory, client, round_ref):
    proposal_id, author = make_proposal(factory, round_ref)
    commenter = factory.resident(round_ref.hood)
    with app.app_context():
        proposals.add_comment(_proposal(app, proposal_id), _user(commenter), "Great idea", "for")
    mail = outbox(app, author.email)
    assert mail[-1][1] == "New comment on your proposal P-1" and "Great idea" in mail[-1][2]
    link = link_in(mail[-1][2].split("To stop them: ")[1])
    assert "Stop news about proposals you put forward" in client.get(link).get_data(as_text=True)
    assert "You are unsubscribed" in client.post(link).get_data(as_text=True)
    with app.app_context():
        proposals.add_comment(_proposal(app, proposal_id), _user(commenter), "Another thought", "question")
    assert len(outbox(app, author.email)) == len(mail)
    tampered = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    assert client.get(tampered).status_code == 404


# --- versions --------------------------------------------------------------------------------------

def test_every_edit_after_submission_is_a_version_anyone_can_compare(app, factory, client, round_ref):
    proposal_id, author = make_proposal(factory, round_ref)
    sign_in(client, author)
    response = client.post(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/edit",
                           data=form_data(round_ref, title="Youth club on Fridays", **{"lines-0-amount": "5500"}))
    assert response.status_code == 302
    page = app.test_client().get(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/history?from=1&to=2").get_data(as_text=True)
    assert "Edited by the proposer" in page
    assert re.search(r"<ins><span class=\"visually-hidden\">\[added: </span>\s*on Fridays", page)
    assert "£5,000</span>" in page or "£5,000" in page
    assert "£5,500" in page


# --- comments and moderation -------------------------------------------------------------------------

@pytest.mark.both_engines
def test_comments_edit_window_flags_and_hiding(app, factory, client, round_ref):
    proposal_id, author = make_proposal(factory, round_ref)
    commenter = factory.resident(round_ref.hood)
    with app.app_context():
        comment = proposals.add_comment(_proposal(app, proposal_id), _user(commenter), "You are all idiots", "against")
        comment_id = comment.id
        proposals.edit_comment(comment, _user(commenter), "You are all wrong")
        with pytest.raises(ServiceError, match="Comments can be edited for 15 minutes"):
            proposals.edit_comment(comment, _user(commenter), "Too late",
                                   now=comment.created_at + timedelta(minutes=16))
    reader = factory.resident(round_ref.hood)
    sign_in(client, reader)
    url = f"/n/{round_ref.hood.slug}/comments/{comment_id}/flag"
    assert "Say what is wrong" in error_page(client.post(url, data={"reason": ""}))
    assert client.post(url, data={"reason": "Rude"}).status_code == 302
    assert "You have already reported this comment" in error_page(client.post(url, data={"reason": "Rude"}))
    facilitator = app.test_client()
    sign_in(facilitator, round_ref.facilitator)
    queue = facilitator.get(f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/review").get_data(as_text=True)
    assert "You are all wrong" in queue and "Rude" in queue
    assert "Give the public reason for hiding it" in error_page(
        facilitator.post(f"/n/{round_ref.hood.slug}/comments/{comment_id}/hide", data={"reason": ""}))
    facilitator.post(f"/n/{round_ref.hood.slug}/comments/{comment_id}/hide", data={"reason": "Breaks the house rules"})
    page = app.test_client().get(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}").get_data(as_text=True)
    assert "Hidden by a facilitator: Breaks the house rules" in page
    assert "You are all wrong" not in page
    with app.app_context():
        payloads = " ".join(db.session.scalars(select(AuditEntry.payload).where(AuditEntry.subject_type == "comment")))
        assert "idiots" not in payloads and "all wrong" not in payloads  # only digests of comment text
        assert "sha256:" in payloads


def test_official_answers_come_first_and_stand_out(app, factory, client, round_ref):
    proposal_id, _ = make_proposal(factory, round_ref)
    resident = factory.resident(round_ref.hood)
    with app.app_context():
        question = proposals.add_comment(_proposal(app, proposal_id), _user(resident), "When does it start?", "question")
        proposals.add_comment(_proposal(app, proposal_id), _user(resident), "I like it", "for")
        proposals.add_comment(_proposal(app, proposal_id), _user(round_ref.facilitator), "In April.",
                              parent_id=question.id, official=True)
        proposals.add_comment(_proposal(app, proposal_id), _user(round_ref.facilitator), "Costs are checked.", official=True)
        with pytest.raises(ServiceError, match="Only facilitators give official answers"):
            proposals.add_comment(_proposal(app, proposal_id), _user(resident), "Me too", official=True)
    page = client.get(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}").get_data(as_text=True)
    assert page.index("Costs are checked.") < page.index("When does it start?") < page.index("In April.") < page.index("I like it")
    assert page.count("Official answer from facilitators") == 2
    assert "1 for · 0 against · 1 question" in page


def test_posting_a_comment_with_htmx_returns_only_the_discussion(app, factory, client, round_ref):
    proposal_id, _ = make_proposal(factory, round_ref)
    sign_in(client, factory.resident(round_ref.hood))
    response = client.post(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/comments",
                           data={"stance": "for", "body": "Count me in"},
                           headers={"HX-Request": "true", "HX-Target": "comments"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert "Count me in" in page and "Your comment is posted" in page
    page = error_page(client.post(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/comments",
                                  data={"stance": "for", "body": ""}))
    assert "Write your comment" in page


# --- supports ----------------------------------------------------------------------------------------

def _deliberating(app, factory, **rules):

    round_ref = make_round(factory, **rules)
    ids = [make_proposal(factory, round_ref, title=f"Idea {n}")[0] for n in range(3)]
    with app.app_context():
        for proposal_id in ids:
            proposals.review(_proposal(app, proposal_id), _user(round_ref.facilitator), "feasible")
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
    return round_ref, ids


def test_supports_once_per_proposal_and_up_to_the_cap(app, factory, client):
    round_ref, ids = _deliberating(app, factory, support_cap=2)
    resident = factory.resident(round_ref.hood)
    sign_in(client, resident)
    base = f"/n/{round_ref.hood.slug}/proposals"
    headers = {"HX-Request": "true", "HX-Target": f"support-{ids[0]}"}
    page = client.post(f"{base}/{ids[0]}/support", headers=headers).get_data(as_text=True)
    assert "You support P-1" in page and "<strong>1</strong> support" in page
    with app.app_context():
        with pytest.raises(ServiceError, match="You already support this proposal"):
            proposals.support(_proposal(app, ids[0]), _user(resident))
    client.post(f"{base}/{ids[1]}/support")
    before = counts(app)
    page = client.post(f"{base}/{ids[2]}/support", headers={"HX-Request": "true", "HX-Target": f"support-{ids[2]}"}
                       ).get_data(as_text=True)
    assert "You can support at most 2 proposals in this round" in page and 'role="alert"' in page
    assert counts(app) == before
    unverified = app.test_client()
    sign_in(unverified, factory.resident(round_ref.hood, verified=False))
    assert unverified.post(f"{base}/{ids[2]}/support").status_code == 403


def test_supports_decide_the_ballot_when_there_is_a_threshold(app, factory):

    round_ref, ids = _deliberating(app, factory, support_threshold=2)
    supporters = [factory.resident(round_ref.hood) for _ in range(2)]
    with app.app_context():
        for person in supporters:
            proposals.support(_proposal(app, ids[0]), _user(person))
        proposals.support(_proposal(app, ids[1]), _user(supporters[0]))
        phases.advance_phase(_round(round_ref), _user(round_ref.facilitator))
        assert [_proposal(app, i).status for i in ids] == ["on_ballot", "not_shortlisted", "not_shortlisted"]


@pytest.mark.both_engines
def test_merging_keeps_every_author_and_one_support_per_resident(app, factory):
    round_ref, ids = _deliberating(app, factory)
    both = factory.resident(round_ref.hood)
    only_dup = factory.resident(round_ref.hood)
    with app.app_context():
        proposals.support(_proposal(app, ids[0]), _user(both))
        proposals.support(_proposal(app, ids[1]), _user(both))
        proposals.support(_proposal(app, ids[1]), _user(only_dup))
        proposals.merge(_proposal(app, ids[0]), [_proposal(app, ids[1])], _user(round_ref.facilitator), "Same idea")
        target, merged = _proposal(app, ids[0]), _proposal(app, ids[1])
        assert target.support_count == 2 and merged.status == ProposalStatus.MERGED and merged.merged_into_id == target.id
        assert len(target.authors) == 2
        with pytest.raises(ServiceError, match="Say why these proposals are being merged"):
            proposals.merge(target, [_proposal(app, ids[2])], _user(round_ref.facilitator), "")


# --- amendments ---------------------------------------------------------------------------------------

@pytest.mark.both_engines
def test_amendments_are_accepted_as_a_new_version_or_declined_with_a_reason(app, factory, client, round_ref):
    proposal_id, author = make_proposal(factory, round_ref)
    suggester = factory.resident(round_ref.hood)
    with app.app_context():
        first = proposals.suggest_amendment(_proposal(app, proposal_id), _user(suggester), "title", "Youth club for all",
                                            "More inclusive")
        second = proposals.suggest_amendment(_proposal(app, proposal_id), _user(suggester), "place", "The park", "Bigger")
        first_id, second_id = first.id, second.id
        with pytest.raises(ServiceError, match="edit it instead"):
            proposals.suggest_amendment(_proposal(app, proposal_id), _user(author), "title", "x", "y")
    assert outbox(app, author.email)[-1][1] == "A change was suggested to your proposal P-1"
    sign_in(client, author)
    page = error_page(client.post(f"/n/{round_ref.hood.slug}/amendments/{second_id}", data={"decision": "decline"}))
    assert "Say why you decline the suggestion" in page
    client.post(f"/n/{round_ref.hood.slug}/amendments/{first_id}", data={"decision": "accept"})
    client.post(f"/n/{round_ref.hood.slug}/amendments/{second_id}", data={"decision": "decline", "reason": "Too far away"})
    with app.app_context():
        proposal = _proposal(app, proposal_id)
        assert proposal.title == "Youth club for all" and proposal.version == 2 and proposal.place == "Mill Lane"
    page = client.get(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}").get_data(as_text=True)
    assert "Proposer's reason: Too far away" in page


# --- images -----------------------------------------------------------------------------------------

def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (3000, 2000), (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude: where the photo was taken
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_pictures_are_sniffed_re_encoded_and_stripped(app, factory, client, round_ref):
    proposal_id, author = make_proposal(factory, round_ref)
    sign_in(client, author)
    url = f"/n/{round_ref.hood.slug}/proposals/{proposal_id}/images"
    before = counts(app)
    fake = {"image": (io.BytesIO(b"<script>alert(1)</script>"), "photo.jpg", "image/jpeg"), "alt_text": "A photo"}
    assert "The selected file is not an image pb can read" in error_page(client.post(url, data=fake))
    big = {"image": (io.BytesIO(b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 10)), "big.jpg"), "alt_text": "Big"}
    assert "The image must be smaller than 5 MB" in error_page(client.post(url, data=big))
    missing_alt = {"image": (io.BytesIO(_jpeg_with_gps()), "park.jpg"), "alt_text": ""}
    assert "Describe the picture for people who cannot see it" in error_page(client.post(url, data=missing_alt))
    assert counts(app) == before
    ok = {"image": (io.BytesIO(_jpeg_with_gps()), "park.jpg"), "alt_text": "The park at dusk"}
    assert client.post(url, data=ok).status_code == 302
    with app.app_context():
        image_id = db.session.scalar(select(ProposalImage.id))
    served = app.test_client().get(f"/n/{round_ref.hood.slug}/images/{image_id}")
    assert served.mimetype == "image/jpeg"
    picture = Image.open(io.BytesIO(served.data))
    assert max(picture.size) == 1600 and not picture.getexif()
    assert 'alt="The park at dusk"' in app.test_client().get(f"/n/{round_ref.hood.slug}/proposals/{proposal_id}").get_data(as_text=True)


# --- the list -----------------------------------------------------------------------------------------

def test_the_list_filters_sorts_searches_and_pages_with_or_without_javascript(app, factory, client, round_ref):
    for _n, (title, pot, amount, category) in enumerate([("Garden", 1, 4000, "environment"), ("Lunch club", 1, 9000, "older-people"),
                                                        ("Training", 0, 2000, "capacity"), ("Festival", 1, 6000, "arts")]):
        make_proposal(factory, round_ref, title=title, pot=pot, amount=amount * 100,
                      category=category, kind="revenue")
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals"

    def titles(query, **headers):
        page = client.get(base + query, headers=headers).get_data(as_text=True)
        return re.findall(r'/proposals/\d+">([^<]+)</a></h2>', page)

    assert titles("?sort=cost-low") == ["Training", "Garden", "Festival", "Lunch club"]
    assert titles(f"?sort=cost-high&pot={round_ref.pot_ids[1]}") == ["Lunch club", "Festival", "Garden"]
    assert titles("?category=arts") == ["Festival"]
    assert titles("?q=LUNCH") == ["Lunch club"]
    assert titles("?q=P-3") == ["Training"]
    assert titles("?status=feasible") == []
    partial = client.get(base + "?q=garden", headers={"HX-Request": "true", "HX-Target": "proposal-results"})
    assert "<html" not in partial.get_data(as_text=True) and "1 proposal found" in partial.get_data(as_text=True)
    page = client.get(base + "?q=garden").get_data(as_text=True)
    assert "<html" in page and 'value="garden"' in page


def test_the_list_pages_through_many_proposals(app, factory, client, round_ref):
    for n in range(23):
        make_proposal(factory, round_ref, title=f"Idea {n}", amount=(1000 + n) * 100)
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals"
    first = client.get(base + "?sort=number").get_data(as_text=True)
    assert "23 proposals found" in first and "Page 1 of 2" in first and "Idea 19<" in first and "Idea 20<" not in first
    second = client.get(base + "?sort=number&page=2").get_data(as_text=True)
    assert "Idea 20<" in second and "Idea 22<" in second and 'rel="prev"' in second


def _seed_many(app, round_ref, n, author):
    """n submitted proposals, through the service functions."""
    with app.app_context():
        round_ = _round(round_ref)
        user = _user(author)
        for i in range(n):
            proposal = proposals.create_draft(round_, user, proposal_input(round_ref, title=f"Idea {i}", pot=1,
                                                                           amount=(1000 + i) * 100))
            proposals.submit(proposal, user)


def _queries_for(app, client, url):
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("engine_name", ["sqlite"])  # the queries the page issues do not depend on the engine
def test_the_list_issues_the_same_number_of_queries_for_10_and_120_proposals(app, factory, client, engine_name):
    small, large = make_round(factory), make_round(factory)
    author = factory.resident(small.hood)
    author_large = factory.resident(large.hood)
    _seed_many(app, small, 10, author)
    _seed_many(app, large, 120, author_large)  # six pages: enough for an N+1 query to show
    for query in ("", "?sort=supports", "?q=idea&sort=cost-high", "?page=3"):
        few = _queries_for(app, client, f"/n/{small.hood.slug}/rounds/{small.id}/proposals{query}")
        many = _queries_for(app, client, f"/n/{large.hood.slug}/rounds/{large.id}/proposals{query}")
        assert few == many, (query, few, many)
        assert many <= 6


# --- events, and the actions the walkthrough does not take ---------------------------------------------

@pytest.mark.both_engines
def test_deliberation_events_with_access_notes_minutes_and_attendance(app, factory, client, round_ref):
    proposal_id, _ = make_proposal(factory, round_ref)
    sign_in(client, round_ref.facilitator)
    base = f"/n/{round_ref.hood.slug}"
    data = {"title": "Open evening", "starts_at": "2030-05-14T18:30", "place": "Community Centre, 12 Mill Lane",
            "access_notes": "Step-free, hearing loop", "proposals": "P-1, P-9"}
    assert "No submitted proposal P-9 in this round" in error_page(client.post(f"{base}/rounds/{round_ref.id}/events/new", data=data))
    page = error_page(client.post(f"{base}/rounds/{round_ref.id}/events/new", data=data | {"starts_at": "next week"}))
    assert "The start must be a real date and time, like 14/5/2027 18:30" in page
    response = client.post(f"{base}/rounds/{round_ref.id}/events/new", data=data | {"proposals": "p1"})
    assert response.status_code == 302
    event_url = response.location
    page = error_page(client.post(event_url + "/edit", data=data | {"proposals": "P-1", "attendance": "23"}))
    assert "Attendance can be recorded once the event has happened" in page
    past = data | {"starts_at": "2026-01-10T18:30", "proposals": "P-1", "attendance": "23", "minutes": "We talked."}
    assert client.post(event_url + "/edit", data=past).status_code == 302
    page = app.test_client().get(event_url).get_data(as_text=True)
    assert "23 people" in page and "We talked." in page and "Step-free, hearing loop" in page
    assert "Open evening" in app.test_client().get(f"{base}/proposals/{proposal_id}").get_data(as_text=True)


@pytest.mark.parametrize("action", ["event", "follow", "unfollow", "dismiss", "image", "remove_image", "withdraw",
                                    "withdraw_support", "co_proposer"])
def test_each_other_action_writes_exactly_one_audit_entry(app, factory, action):
    from datetime import datetime


    round_ref = make_round(factory)
    proposal_id, author = make_proposal(factory, round_ref)
    other = factory.resident(round_ref.hood)
    with app.app_context():
        proposal, facilitator = _proposal(app, proposal_id), _user(round_ref.facilitator)
        comment = proposals.add_comment(proposal, _user(other), "Hmm")
        proposals.flag_comment(comment, _user(author), "Off topic")
        if action == "unfollow":
            following.follow("round", proposal.round, _user(other))
        if action == "remove_image":
            proposals.add_image(proposal, _user(author), _jpeg_with_gps(), "A park")
        if action == "withdraw_support":
            proposals.review(proposal, facilitator, "feasible")
            phases.advance_phase(proposal.round, facilitator)
            phases.advance_phase(proposal.round, facilitator)
            proposals.support(proposal, _user(other))
        before = db.session.scalar(select(func.count()).select_from(AuditEntry))
        expected = {
            "event": lambda: proposals.create_event(proposal.round, facilitator, proposals.EventInput(
                "Meeting", datetime(2030, 1, 1, 18), "Hall", "", "", None, [1])) and "event.created",
            "follow": lambda: following.follow("round", proposal.round, _user(other)) and "round.followed",
            "unfollow": lambda: following.unfollow("round", proposal.round, _user(other)) and "round.unfollowed",
            "dismiss": lambda: proposals.dismiss_flags(comment, facilitator) and "comment.flags_dismissed",
            "image": lambda: proposals.add_image(proposal, _user(author), _jpeg_with_gps(), "A park") and "proposal.image_added",
            "remove_image": lambda: proposals.remove_image(proposal.images[0], facilitator) or "proposal.image_removed",
            "withdraw": lambda: proposals.withdraw(proposal, _user(author), "Funded elsewhere") or "proposal.withdrawn",
            "withdraw_support": lambda: proposals.withdraw_support(proposal, _user(other)) or "proposal.support_withdrawn",
            "co_proposer": lambda: proposals.add_co_proposer(proposal, _user(author), other.email) and "proposal.co_proposer_added",
        }[action]()
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id).offset(before)))
        assert actions == [expected]
