"""The board's forms: seating a member, approvals, a seat ending, the rules, the code of conduct and
a member's register."""
from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from pb.forms import DayField, Form, choices
from pb.frameworks import APPROVERS

from .models import CameBy, InterestKind, SeatEnd, SeatKind


class RulesForm(Form):
    rules = RadioField("Whose rules the board follows", validators=[InputRequired("Choose whose rules apply")],
                       description="pb checks the board against them and says what is missing.")


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
