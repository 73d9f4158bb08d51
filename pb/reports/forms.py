"""Forms for the funding agreement, its drawdowns and the bank statement. Each only turns what was
typed into values; the services in this package check every rule again."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from pb.forms import DayField, Form, NoMarkup, PoundsField, choices

from .models import BodyKind, Likelihood

SCHEDULE_HINT = ("One line for each year, and for each of the plan's interventions if the funder pays by them: the "
                 "financial year, what it is for (an intervention's name, or ‘whole plan’) and the amount, with commas "
                 "between. For example: 2026/27, Youth activities, £40000. The lines must add up to the agreement's amount.")


def _email(label, hint):
    return StringField(label, validators=[InputRequired("Enter their email address"),
                                          Length(max=254, message="Keep the address to 254 characters or fewer")],
                       description=hint, render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false"})


class AgreementForm(Form):
    source_id = SelectField("Which of the fund's sources is this money?", coerce=str,
                            validators=[InputRequired("Choose the fund's source the money comes in as")],
                            description="Money drawn down under the agreement is recorded as received from this source.")
    funder_name = StringField("The funder", validators=[InputRequired("Enter the name of the funder"), NoMarkup("The name"),
                                                        Length(max=120, message="Keep it to 120 characters or fewer")],
                              description="For example ‘Community Wealth Fund’.")
    body_name = StringField("The accountable body that holds the money",
                            validators=[InputRequired("Enter the name of the accountable body"), NoMarkup("The name"),
                                        Length(max=120, message="Keep it to 120 characters or fewer")],
                            description="For example ‘Northshire Council’.")
    body_kind = RadioField("What kind of body is it?", choices=choices(BodyKind.labels().items()),
                           validators=[InputRequired("Choose what kind of body holds the money")])
    amount = PoundsField("The agreement's amount", what="The agreement's amount",
                         validators=[InputRequired("Enter the agreement's amount in pounds, like 1500000")],
                         description="All the money the funder will release under it, over the fund's life.")
    fee = StringField("The accountable body's administration fee (%)",
                      validators=[InputRequired("Enter the fee as a percentage, like 5 (or 0 for none)")],
                      description="A percentage of each drawdown. Its share of any unspent money returned to the funder goes back too.",
                      render_kw={"inputmode": "decimal", "class": "width-3"})
    signed_on = DayField("The day it was signed", what="The day it was signed",
                         validators=[InputRequired("Enter the day the agreement was signed")])
    body_contact_email = _email("Email address of the accountable body's officer",
                                "They ask the funder for each drawdown. They need a pb account.")
    funder_contact_email = _email("Email address of the funder's representative",
                                  "They approve or refuse each drawdown. They need a pb account.")
    schedule = TextAreaField("The payment schedule", validators=[InputRequired("Enter the payment schedule"),
                                                                 Length(max=20_000, message="Keep the schedule to 20,000 characters or fewer")],
                             description=SCHEDULE_HINT, render_kw={"rows": 8})
    conditions = TextAreaField("Conditions (optional)", validators=[Optional(), Length(max=10_000, message="Keep the conditions to 10,000 characters or fewer")])


class VaryForm(Form):
    amount = AgreementForm.amount
    fee = AgreementForm.fee
    schedule = AgreementForm.schedule
    conditions = AgreementForm.conditions
    body_contact_email = _email("Email address of the accountable body's officer", "Change it to name someone else.")
    funder_contact_email = _email("Email address of the funder's representative", "Change it to name someone else.")
    reason = TextAreaField("Why it changed", validators=[InputRequired("Say why the agreement changed"),
                                                         Length(max=2000, message="Keep it to 2,000 characters or fewer")],
                           description="As the variation letter says. It is published with the new version.")


class DrawdownForm(Form):
    schedule_line_id = SelectField("Which line of the schedule is it for?", coerce=str,
                                   validators=[InputRequired("Choose the line of the schedule the money is for")])
    amount = PoundsField("Amount", what="The amount asked for",
                         validators=[InputRequired("Enter the amount in pounds, like 25000")])
    covers = TextAreaField("What it will pay for", validators=[InputRequired("Say what the money will pay for"),
                                                               Length(max=2000, message="Keep it to 2,000 characters or fewer")],
                           description="For example ‘Grants G-4 to G-7 and the youth worker's salary, April to September’.")


class DecideForm(Form):
    decision = RadioField("Your decision", choices=choices([("approve", "Approve it"), ("refuse", "Refuse it")]),
                          validators=[InputRequired("Choose whether to approve or refuse the request")])
    reason = TextAreaField("Reason (needed to refuse)", validators=[Optional(), Length(max=2000, message="Keep it to 2,000 characters or fewer")],
                           description="The accountable body sees it, and it is published with the agreement.")


class ReceivedForm(Form):
    received_on = DayField("The day the money arrived", what="The day the money arrived",
                           validators=[InputRequired("Enter the day the money arrived")])
    reference = StringField("Bank reference (optional)", validators=[Optional(), Length(max=120, message="Keep it to 120 characters or fewer")])


class RepaymentForm(Form):
    amount = PoundsField("Amount paid back", what="The amount paid back",
                         validators=[InputRequired("Enter the amount paid back in pounds, like 1200")])
    returned_on = DayField("The day it was paid", what="The day it was paid back",
                           validators=[InputRequired("Enter the day the money was paid back")])
    reference = StringField("Reference (optional)", validators=[Optional(), Length(max=120, message="Keep it to 120 characters or fewer")])


class StatementForm(Form):
    file = FileField("The bank statement, as a CSV file")
    date_column = StringField("Date column (optional)", validators=[Optional(), Length(max=60, message="Keep it to 60 characters or fewer")],
                              description="Only if pb does not recognise your bank's layout: the column's name as the file's first line writes it.")
    description_column = StringField("Description column (optional)", validators=[Optional(), Length(max=60, message="Keep it to 60 characters or fewer")])
    amount_column = StringField("Amount column (optional)", validators=[Optional(), Length(max=60, message="Keep it to 60 characters or fewer")],
                                description="One column with money out as a minus amount. Or give the two columns below.")
    paid_out_column = StringField("Money-out column (optional)", validators=[Optional(), Length(max=60, message="Keep it to 60 characters or fewer")])
    paid_in_column = StringField("Money-in column (optional)", validators=[Optional(), Length(max=60, message="Keep it to 60 characters or fewer")])
    balance_column = StringField("Balance column (optional)", validators=[Optional(), Length(max=60, message="Keep it to 60 characters or fewer")])


class MatchForm(Form):
    # The service says which records may be chosen (a clearer message than "Not a valid choice").
    choice = RadioField("What is this line?", validators=[InputRequired("Choose what this line is")], validate_choice=False)
    note = StringField("If pb has no record of it, what is it?", validators=[Optional(), Length(max=300, message="Keep it to 300 characters or fewer")],
                       description="For example ‘Bank charge for March’. It shows on the accounts.")


def return_form(narrative_labels: dict[str, str], interventions: dict[str, str]):
    """The return's words (one box a part) and the next period's forecast (one amount an intervention)."""
    fields = {key: TextAreaField(label, validators=[Optional(), Length(max=10_000, message="Keep it to 10,000 characters or fewer")],
                                 render_kw={"rows": 5})
              for key, label in narrative_labels.items()}
    for key, name in [*interventions.items(), ("", "Not tied to the plan")]:
        fields[f"forecast_{key or 'untied'}"] = PoundsField(f"Forecast spend next period: {name} (optional)",
                                                            what=f"The forecast for {name}", validators=[Optional()])
    return type("ReturnForm", (Form,), fields)


class RiskForm(Form):
    risk = TextAreaField("The risk", validators=[InputRequired("Describe the risk"),
                                                 Length(max=2000, message="Keep it to 2,000 characters or fewer")],
                         description="What could go wrong, for example ‘The youth club's lead volunteer leaves’.")
    likelihood = RadioField("How likely is it?", choices=choices(Likelihood.labels().items()),
                            validators=[InputRequired("Choose how likely it is")])
    impact = RadioField("How much would it matter?", choices=choices(Likelihood.labels().items()),
                        validators=[InputRequired("Choose how much it would matter")])
    mitigation = TextAreaField("What is being done about it", validators=[InputRequired("Say what is being done about it"),
                                                                          Length(max=2000, message="Keep it to 2,000 characters or fewer")])
    owner = StringField("Who acts on it", validators=[InputRequired("Say who acts on it: a role or an organisation"),
                                                      Length(max=120, message="Keep it to 120 characters or fewer")],
                        description="A role or an organisation, like ‘The facilitators’ or ‘The accountable body’, not a person's name.")
    closed = BooleanField("This risk has passed: close it")


class ForewordForm(Form):
    foreword = TextAreaField("The chair's foreword", validators=[InputRequired("Write the chair's foreword"),
                                                                  Length(max=10_000, message="Keep it to 10,000 characters or fewer")],
                             description="A few lines on the year, in plain words. It opens the report.", render_kw={"rows": 8})


class ApproveReportForm(Form):
    meeting_id = SelectField("The board meeting that approved it", coerce=str,
                             validators=[InputRequired("Choose the board meeting that approved it")],
                             description="Usually the annual meeting. It must have been held (its attendance recorded).")
