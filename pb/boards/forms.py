"""The board's forms: seating a member, approvals, a seat ending, the rules, the code of conduct and
a member's register."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from pb.forms import DateTimeLocalField, DayField, Form, PoundsField, WholeNumberField, choices
from pb.frameworks import APPROVERS

from .models import (
    Attendance,
    CameBy,
    ConcernKind,
    ConcernOutcome,
    ElectionMethod,
    InterestKind,
    SeatEnd,
    SeatKind,
)


class RulesForm(Form):
    rules = RadioField("Whose rules the board follows", validators=[InputRequired("Choose whose rules apply")],
                       description="pb checks the board against them and says what is missing.")
    seats = WholeNumberField("Voting seats in the board's terms of reference (optional)",
                             not_a_number="Enter a whole number, like 11", validators=[Optional()],
                             description="pb shows how many are vacant.",
                             render_kw={"inputmode": "numeric", "class": "width-5"})
    notice_days = WholeNumberField("Days' notice for meeting papers", not_a_number="Enter a whole number, like 7",
                                   validators=[InputRequired("Enter the days of notice")],
                                   render_kw={"inputmode": "numeric", "class": "width-5"})
    absence_months = WholeNumberField("Months of absence without apologies that flag a member",
                                      not_a_number="Enter a whole number, like 3",
                                      validators=[InputRequired("Enter the months")],
                                      render_kw={"inputmode": "numeric", "class": "width-5"})
    gift_threshold = PoundsField("Gifts and hospitality worth more than this go on the register", what="The value",
                                 validators=[InputRequired("Enter the value, like 50")])


class SeatForm(Form):
    email = StringField("Their email address", validators=[InputRequired("Enter their email address")],
                        description="The address of their pb account. Ask them to register first if they have none.",
                        render_kw={"autocomplete": "off", "spellcheck": "false"})
    kind = SelectField("Seat", choices=choices([("", "Choose a seat"), *SeatKind.labels().items()]),
                       validators=[InputRequired("Choose the kind of seat")])
    came_by = RadioField("How they came to the board", choices=choices(list(CameBy.labels().items())),
                         validators=[InputRequired("Choose how they came to the board")])
    elected_representative = BooleanField("They are an elected representative (a councillor, MP or mayor)",
                                          description="Councillor and MP seats count as elected already.")
    started_on = DayField("Took their seat on", what="The day", validators=[InputRequired("Enter the day")])
    term_ends_on = DayField("Term ends on (optional)", what="The day", validators=[Optional()])


class ApprovalForm(Form):
    approver = RadioField("Approved by", choices=choices(list(APPROVERS.items())),
                          validators=[InputRequired("Choose who approved")])
    approved_on = DayField("Approved on", what="The day", validators=[InputRequired("Enter the day")])


class EndSeatForm(Form):
    reason = RadioField("Why the seat ended", choices=choices(list(SeatEnd.labels().items())),
                        validators=[InputRequired("Choose why the seat ended")])
    ended_on = DayField("Ended on", what="The day", validators=[InputRequired("Enter the day")])
    note = TextAreaField("Note", validators=[Optional(), Length(max=1000, message="Keep it to 1,000 characters")],
                         description="Needed when a member is removed: it is part of the public record.")


class CodeForm(Form):
    text = TextAreaField("The code of conduct", validators=[InputRequired("Enter the code of conduct")],
                         render_kw={"rows": 14})


class EntryForm(Form):
    kind = SelectField("Kind of interest", choices=choices([("", "Choose a kind"), *InterestKind.labels().items()]),
                       validators=[InputRequired("Choose the kind of interest")])
    organisation = StringField("Organisation, employer or business", validators=[Optional()],
                               description="As it would appear on a grant, so pb can show it when it comes up.")
    description = TextAreaField("What the interest is", validators=[InputRequired("Say what the interest is")],
                                description="For example ‘Trustee, unpaid’ or ‘My sister runs the café’.",
                                render_kw={"rows": 3})
    from_on = DayField("Since", what="The day", validators=[InputRequired("Enter the day it began")])
    to_on = DayField("Until (optional)", what="The day", validators=[Optional()])


class EndEntryForm(Form):
    to_on = DayField("Ended on", what="The day", validators=[InputRequired("Enter the day it ended")])


class MeetingForm(Form):
    title = StringField("Title", validators=[InputRequired("Enter the meeting's title"),
                                             Length(max=160, message="Keep the title to 160 characters")],
                        description="For example ‘Board meeting, March’.")
    starts_at = DateTimeLocalField("Starts", what="The start", validators=[InputRequired("Enter when it starts")])
    place = StringField("Where", validators=[Optional()], description="The address, step-free access and so on.")
    online_link = StringField("Link to join online (optional)", validators=[Optional()])
    public = BooleanField("Residents may come and watch", default=True)
    annual = BooleanField("This is the annual meeting")


class ItemForm(Form):
    title = StringField("Item", validators=[InputRequired("Enter the item's title"),
                                            Length(max=200, message="Keep the title to 200 characters")])
    paper = TextAreaField("Paper (optional)", validators=[Optional()], render_kw={"rows": 8},
                          description="The paper members read before the meeting, or attach a PDF below.")
    pdf = FileField("Paper as a PDF (optional)", description="Smaller than 10 MB.")
    confidential = BooleanField("Confidential: not published",
                                description="Only for a good reason, such as a named person's circumstances.")
    reason = StringField("Why it is confidential", validators=[Optional()],
                         description="Published in place of the item.")


class MotionForm(Form):
    text = TextAreaField("The motion", validators=[InputRequired("Enter what was proposed")],
                         description="For example ‘That the board approves the renewal of grant G-4’.",
                         render_kw={"rows": 3})
    proposer_seat_id = SelectField("Proposed by", coerce=str, validators=[InputRequired("Choose who proposed it")])
    seconder_seat_id = SelectField("Seconded by", coerce=str, validators=[InputRequired("Choose who seconded it")])
    votes_for = WholeNumberField("For", not_a_number="Enter a whole number, like 6",
                                 validators=[InputRequired("Enter how many voted for")],
                                 render_kw={"inputmode": "numeric", "class": "width-5"})
    votes_against = WholeNumberField("Against", not_a_number="Enter a whole number, like 0",
                                     validators=[InputRequired("Enter how many voted against")],
                                     render_kw={"inputmode": "numeric", "class": "width-5"})
    grant_decision_id = SelectField("The grant decision it decides (optional)", coerce=str, validators=[Optional()],
                                    description="Carried, the decision is made by this vote instead of online "
                                                "approvals.")
    round_id = SelectField("The round it decides (optional)", coerce=str, validators=[Optional()],
                           description="Carried, the round's result is signed off, or its rules approved, by this "
                                       "vote.")
    abstentions = WholeNumberField("Abstained", not_a_number="Enter a whole number, like 0",
                                   validators=[InputRequired("Enter how many abstained")],
                                   render_kw={"inputmode": "numeric", "class": "width-5"})


class MinutesForm(Form):
    minutes = TextAreaField("Minutes", validators=[InputRequired("Write the minutes")], render_kw={"rows": 16},
                            description="Published once the next meeting approves them.")
    confidential = TextAreaField("Minutes of confidential items (optional)", validators=[Optional()],
                                 render_kw={"rows": 6}, description="Never published: kept for auditors.")


class ApproveMinutesForm(Form):
    at = SelectField("Approved at", coerce=str, validators=[InputRequired("Choose the meeting that approved them")])


def interests_form(present: list, named: dict | None = None) -> type[Form]:
    """The motion form with a box per member present, for an interest they declared (and left the
    room); and, for a member whose register names an organisation the item names, why it does not
    touch the item if they declare none."""
    boxes = {f"interest_{seat.id}": StringField(
        f"{seat.user.name}: interest declared (optional)", validators=[Optional(), Length(max=300)],
        description="Leave empty if none. A member who declares one leaves the room and does not vote.")
        for seat in present}
    for seat in present:
        if seat.id in (named or {}):
            boxes[f"why_{seat.id}"] = StringField(
                f"{seat.user.name}: why their register does not touch this item", validators=[Optional(),
                                                                                         Length(max=1000)],
                description=f"Their register names {', '.join(named[seat.id])}. Needed unless they declare an "
                            "interest above.")
    return type("MotionWithInterestsForm", (MotionForm,), boxes)


def attendance_form(seats: list) -> type[Form]:
    radios = {f"seat_{seat.id}": RadioField(
        f"{seat.user.name} ({seat.kind_label.lower()})", choices=choices(list(Attendance.labels().items())),
        validators=[InputRequired(f"Say whether {seat.user.name} came")]) for seat in seats}
    return type("AttendanceForm", (Form,), radios)


class ConcernForm(Form):
    kind = RadioField("What is your concern about?", choices=choices(list(ConcernKind.labels().items())),
                      validators=[InputRequired("Choose what the concern is about")])
    about = StringField("Who or which decision (optional)", validators=[Optional()],
                        description="For example a member's name, or ‘the grant to the youth club’.")
    text = TextAreaField("What happened", validators=[InputRequired("Say what happened")], render_kw={"rows": 8},
                         description="What happened, when, and who was involved.")
    reply_email = StringField("Your email address, to hear the outcome (optional)", validators=[Optional()],
                              render_kw={"autocomplete": "email", "spellcheck": "false"})
    may_name = BooleanField("You may publish my name with the outcome",
                            description="Without this, the outcome is published without your name.")
    whistleblowing = BooleanField("This is whistleblowing: keep who I am confidential",
                                  description="Your name is never published, even to the board.")


class ContactsForm(Form):
    emails = TextAreaField("Email addresses, one a line", validators=[InputRequired("Enter at least one address")],
                           description="People at the accountable body (the council or the trusted organisation) "
                                       "who handle concerns, not board members. Each needs a pb account.",
                           render_kw={"rows": 4, "spellcheck": "false"})
    days = WholeNumberField("Days to acknowledge a concern", not_a_number="Enter a whole number of days, like 10",
                            validators=[InputRequired("Enter the number of days")],
                            render_kw={"inputmode": "numeric", "class": "width-5"})


class AnswerForm(Form):
    outcome = RadioField("Outcome", choices=choices(list(ConcernOutcome.labels().items())),
                         validators=[InputRequired("Choose whether the concern is upheld")])
    reasons = TextAreaField("Reasons, as published", validators=[InputRequired("Give the reasons")],
                            render_kw={"rows": 8},
                            description="Published without the person's name unless they agreed.")


class ElectionForm(Form):
    title = StringField("Title", validators=[InputRequired("Enter the election's title"),
                                             Length(max=160, message="Keep the title to 160 characters")],
                        description="For example ‘Resident seats, 2027’.")
    seats = WholeNumberField("Seats up for election", not_a_number="Enter a whole number, like 2",
                             validators=[InputRequired("Enter how many seats")],
                             render_kw={"inputmode": "numeric", "class": "width-5"})
    method = RadioField("How people vote", choices=choices(list(ElectionMethod.labels().items())),
                        validators=[InputRequired("Choose how people vote")])
    closes_on = DayField("Last day to vote", what="The last day", validators=[InputRequired("Enter the last day")],
                         description="Usually the day of the annual meeting.")
    term_ends_on = DayField("The seats won last until (optional)", what="The day", validators=[Optional()])
    meeting_id = SelectField("At the meeting (optional)", coerce=str, validators=[Optional()])


class CandidateForm(Form):
    email = StringField("Candidate's email address", validators=[InputRequired("Enter their email address")],
                        description="A verified resident with a pb account.",
                        render_kw={"autocomplete": "off", "spellcheck": "false"})
    statement = TextAreaField("Their statement (optional)", validators=[Optional()], render_kw={"rows": 5},
                              description="Why they are standing, in their own words: shown to voters.")


class PaperBallotForm(Form):
    voter_email = StringField("The voter's email address", validators=[InputRequired("Enter the voter's address")],
                              render_kw={"autocomplete": "off", "spellcheck": "false"})
    # The ticks come as repeated "choices" values (rendered by boards/vote.html); this field only
    # carries their error message to the page.
    choices = StringField("Who they ticked", validators=[Optional()])


class VoteForm(Form):
    choices = StringField("Who do you vote for?", validators=[Optional()])  # as PaperBallotForm
