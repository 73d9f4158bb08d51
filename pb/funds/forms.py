"""Forms for the money after the vote. Each is one short question page (GOV.UK pattern); the
services check every rule again, so a form only turns what was typed into values."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from pb.forms import DayField, Form, NoMarkup, PoundsField, WholeNumberField, choices

from .models import BODY_TYPES, DECISION_KINDS, SOURCE_KINDS, SPEND_KINDS, UPDATE_STATUSES

YEAR_HINT = "A financial year, April to March, like 2027/28."


def _year(label="Financial year", **kw):
    return StringField(label, validators=[InputRequired("Enter the financial year, like 2027/28")], description=YEAR_HINT,
                       render_kw={"class": "width-10", "spellcheck": "false"}, **kw)


def _reason(label, required=True, hint=None):
    validators = [InputRequired("Give the reason: it is published with the decision")] if required else [Optional()]
    return TextAreaField(label, validators=[*validators, Length(max=2000, message="Keep it to 2,000 characters or fewer")],
                         description=hint)


class FundForm(Form):
    name = StringField("Name of the fund", validators=[InputRequired("Enter the fund's name"), NoMarkup("The name"),
                                                       Length(max=120, message="The name must be 120 characters or fewer")],
                       description="For example ‘Eastbrook Community Wealth Fund 2026-2036’.")
    first_year = _year("First financial year")
    years = WholeNumberField("How many years it lasts", not_a_number="Enter the number of years as a whole number, like 10",
                             validators=[InputRequired("Enter how many financial years the fund lasts, from 1 to 15")],
                             render_kw={"inputmode": "numeric", "class": "width-3"})
    description = TextAreaField("Description (optional)", validators=[Optional(), Length(max=4000, message="Keep it to 4,000 characters or fewer")])


class SourceForm(Form):
    name = StringField("Where the money comes from", validators=[InputRequired("Enter where the money comes from"),
                                                                 NoMarkup("The name"), Length(max=120, message="Keep it to 120 characters or fewer")],
                       description="For example ‘Community Wealth Fund’ or ‘Eastbrook Borough Council’.")
    kind = RadioField("Kind of source", choices=choices(list(SOURCE_KINDS.items())),
                      validators=[InputRequired("Choose what kind of source it is")])


class PromiseForm(Form):
    source_id = SelectField("Source", coerce=str, validators=[InputRequired("Choose the source")])
    financial_year = _year()
    amount = PoundsField("Amount promised for that year", what="The amount promised",
                         validators=[InputRequired("Enter the amount promised in pounds, like 100000")])


class ReceiptForm(Form):
    source_id = SelectField("Source", coerce=str, validators=[InputRequired("Choose where the money came from")])
    amount = PoundsField("Amount received", what="The amount received",
                         validators=[InputRequired("Enter the amount received in pounds, like 100000")])
    received_on = DayField("Date it arrived", what="The date it arrived",
                           validators=[InputRequired("Enter the date the money arrived")])
    reference = StringField("Reference (optional)", validators=[Optional(), Length(max=120, message="Keep it to 120 characters or fewer")],
                            description="The remittance or bank reference.")


class PlanForm(Form):
    financial_year = _year()
    planned = PoundsField("Money available that year", what="The amount available",
                          validators=[InputRequired("Enter the money available that year, like 120000")])
    capacity_percent = WholeNumberField("Ring-fenced for building community capacity: a percentage (optional)",
                                        not_a_number="The percentage must be a whole number, like 10",
                                        validators=[Optional()], render_kw={"inputmode": "numeric", "class": "width-3"},
                                        description="Only capacity-building grants can use this share. Give a percentage or an amount.")
    capacity_amount = PoundsField("…or an amount (optional)", what="The capacity-building amount", validators=[Optional()])


class SettingsForm(Form):
    giving_prefix = StringField("360Giving identifier prefix (optional)",
                                validators=[Optional(), Length(max=60, message="Keep it to 60 characters or fewer")],
                                description="Given to you by 360Giving: 360G- then letters, digits and hyphens, like 360G-eastbrook.",
                                render_kw={"spellcheck": "false"})
    payment_approval_threshold = PoundsField("Payments of this much or more need a second person to approve them",
                                             what="The approval threshold",
                                             validators=[InputRequired("Enter the approval threshold in pounds, like 1000")])
    full_reporting_threshold = PoundsField("Grants of this much or more report every three months",
                                           what="The reporting threshold",
                                           validators=[InputRequired("Enter the reporting threshold in pounds, like 10000")],
                                           description="Smaller grants give one update at the end.")
    facilitators_record_payments = BooleanField("Facilitators may record payments as well as treasurers")


class RoundFundForm(Form):
    fund_year_id = RadioField("Which fund year pays for this round", coerce=str,
                              validators=[InputRequired("Choose a fund year, or ‘no fund’")])


class BodyForm(Form):
    body_name = StringField("Name of the group, charity, CIC or school", validators=[
        InputRequired("Enter the name of the body that will receive the money"), NoMarkup("The name"),
        Length(max=120, message="Keep it to 120 characters or fewer")])
    body_type = RadioField("What kind of body it is", choices=choices(list(BODY_TYPES.items())),
                           validators=[InputRequired("Choose what kind of body it is")])
    body_number = StringField("Charity or company number (optional)",
                              validators=[Optional(), Length(max=40, message="Keep it to 40 characters or fewer")],
                              render_kw={"class": "width-10", "spellcheck": "false"})
    contact_email = StringField("Email of its named contact", validators=[InputRequired("Enter the contact's email address"),
                                                                          Length(max=254, message="Keep it to 254 characters or fewer")],
                                description="They sign in to pb with this address to accept the grant and post updates. "
                                            "Someone without a pb account yet is invited by email to make one.",
                                render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false"})
    conditions = TextAreaField("Conditions of the grant (optional)", validators=[Optional(), Length(max=4000, message="Keep it to 4,000 characters or fewer")],
                               description="For example ‘Keep receipts; tell us if the venue changes’.")


class CapacityGrantForm(BodyForm):
    title = StringField("What the grant is for", validators=[InputRequired("Enter what the grant is for"), NoMarkup("The title"),
                                                             Length(max=120, message="Keep it to 120 characters or fewer")])
    summary = TextAreaField("In a sentence or two", validators=[InputRequired("Say what the grant pays for"),
                                                                Length(max=2000, message="Keep it to 2,000 characters or fewer")])
    fund_year_id = SelectField("Fund year", coerce=str, validators=[InputRequired("Choose the fund year")])
    amount = PoundsField("Amount", what="The amount", validators=[InputRequired("Enter the amount in pounds")])
    starts_on = DayField("Starts", what="The start date", validators=[InputRequired("Enter the date the grant starts")])
    ends_on = DayField("Ends", what="The end date", validators=[InputRequired("Enter the date the grant ends")])
    reason = _reason("The board's reason for awarding it without a vote")


class DecisionForm(Form):
    no_interest_reason = TextAreaField("Why your register of interests does not touch this decision",
                                       validators=[Optional(), Length(max=1000, message="Keep it to 1,000 characters or fewer")],
                                       description="Only if your register names the group or the proposer.")
    kind = RadioField("What the board is deciding", choices=choices(list(DECISION_KINDS.items())),
                      validators=[InputRequired("Choose what the board is deciding")])
    reason = _reason("The board's reason", required=False,
                     hint="Needed to vary, suspend or cancel; published with the decision.")
    amount = PoundsField("New amount (variations only)", what="The new amount", validators=[Optional()])
    starts_on = DayField("New start date (variations only)", what="The new start date", validators=[Optional()])
    ends_on = DayField("New end date (variations only)", what="The new end date", validators=[Optional()])


class ApproveDecisionForm(Form):
    no_interest_reason = TextAreaField("Why your register does not touch this decision",
                                       validators=[Optional(), Length(max=1000, message="Keep it to 1,000 characters or fewer")],
                                       description="Recorded with your approval, for residents and auditors to read.")


class PaymentForm(Form):
    amount = PoundsField("Amount paid", what="The amount", validators=[InputRequired("Enter the amount paid, like 2500")])
    paid_on = DayField("Date paid", what="The payment date", validators=[InputRequired("Enter the date of the payment")])
    spend = RadioField("Revenue or capital", choices=choices(list(SPEND_KINDS.items())), default="revenue",
                       validators=[InputRequired("Choose revenue or capital")])
    financial_year = StringField("Financial year (optional)", validators=[Optional()],
                                 description="Leave empty to use the year of the payment date.",
                                 render_kw={"class": "width-10", "spellcheck": "false"})
    tranche_id = SelectField("Scheduled tranche (optional)", coerce=str, validators=[Optional()])
    reference = StringField("Reference (optional)", validators=[Optional(), Length(max=120, message="Keep it to 120 characters or fewer")],
                            description="The bank or cheque reference.")


class ReturnForm(Form):
    amount = PoundsField("Amount paid back", what="The amount", validators=[InputRequired("Enter the amount paid back")])
    returned_on = DayField("Date it came back", what="The date", validators=[InputRequired("Enter the date the money came back")])
    reference = StringField("Reference (optional)", validators=[Optional(), Length(max=120, message="Keep it to 120 characters or fewer")])


class TrancheForm(Form):
    label = StringField("Name of the tranche", validators=[Optional(), Length(max=120, message="Keep it to 120 characters or fewer")],
                        description="For example ‘First half’.")
    due_on = DayField("Due", what="The due date", validators=[InputRequired("Enter the date the tranche is due")])
    amount = PoundsField("Amount", what="The amount", validators=[InputRequired("Enter the tranche's amount")])


class MilestoneForm(Form):
    title = StringField("Milestone", validators=[InputRequired("Say what will be done"),
                                                 Length(max=200, message="Keep it to 200 characters or fewer")],
                        description="For example ‘First 10 sessions run’.")
    due_on = DayField("Due", what="The due date", validators=[InputRequired("Enter the date the milestone is due")])


class InterestForm(Form):
    description = TextAreaField("Your interest", validators=[InputRequired("Say what your interest is"),
                                                             Length(max=1000, message="Keep it to 1,000 characters or fewer")],
                                description="For example ‘I am the group's treasurer’ or ‘My daughter runs the club’.")


class UpdateForm(Form):
    status = RadioField("How is the project going?", choices=choices(list(UPDATE_STATUSES.items())),
                        validators=[InputRequired("Choose how the project is going")])
    body = TextAreaField("What happened", validators=[InputRequired("Say in plain words what happened"),
                                                      Length(max=4000, message="Keep it to 4,000 characters or fewer")],
                         description="What you did, who came, what went well or not. Plain words are best.")
    milestone_id = SelectField("Milestone reached with this update (optional)", coerce=str, validators=[Optional()])
    spend_to_date = PoundsField("Spent so far (optional)", what="Spent so far", validators=[Optional()])
    image = FileField("Photo (optional)", description="A JPG, PNG, WEBP or GIF, smaller than 5 MB.")
    image_alt = StringField("Describe the photo (if you add one)", validators=[Optional(), Length(max=200, message="Keep it to 200 characters or fewer")])


def update_form(figures) -> type[UpdateForm]:
    """The update form with a box for each figure the project reports (its plan outputs), if any."""
    if not figures:
        return UpdateForm
    boxes = {f"figure_{f.key}": WholeNumberField(
        f"{f.name} since the last update (optional)", not_a_number=f"Enter a whole number of {f.unit}, like 12",
        validators=[Optional()], description=f"In {f.unit}. Leave it empty if there is nothing new to count.",
        render_kw={"inputmode": "numeric", "class": "width-5"}) for f in figures}
    return type("UpdateWithFiguresForm", (UpdateForm,), boxes)
