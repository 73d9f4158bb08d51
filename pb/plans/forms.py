"""The plan's forms: starting it, each section, interventions, the investment plan, decisions and
comments."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from pb.forms import DayField, Form, PoundsField, WholeNumberField, choices
from pb.frameworks import SPENDS

from .decisions import COMMENT_LIMIT, COMMENT_SECTIONS


class StartForm(Form):
    framework = RadioField("Programme framework", validators=[InputRequired("Choose the programme framework")],
                           description="The objectives and interventions the plan follows. ‘Our own’ lets the "
                                       "neighbourhood write its own.")
    fund = SelectField("The fund it spends", validators=[Optional()], coerce=str,
                       description="The investment plan is checked against this fund's years.")


class SectionForm(Form):
    text = TextAreaField("Text", validators=[Optional()], render_kw={"rows": 12})


class OwnInterventionForm(Form):
    name = StringField("Name", validators=[InputRequired("Enter the intervention's name"),
                                           Length(max=120, message="The name must be 120 characters or fewer")])
    objective = SelectField("The objective it serves", validators=[Optional()], coerce=str)
    spend = RadioField("What it pays for", choices=choices([(s, s.capitalize() if s != "both" else "Capital and revenue")
                                                            for s in SPENDS]),
                       validators=[InputRequired("Choose whether it pays for capital, revenue or both")])
    need = TextAreaField("The need", validators=[Optional()], render_kw={"rows": 3})
    options = TextAreaField("Options considered", validators=[Optional()], render_kw={"rows": 3})
    cost = TextAreaField("Cost", validators=[Optional()], render_kw={"rows": 2})
    outputs = TextAreaField("Outputs", validators=[Optional()], render_kw={"rows": 2})
    risks = TextAreaField("Risks", validators=[Optional()], render_kw={"rows": 3})


class InvestmentForm(Form):
    financial_year = SelectField("Financial year", validators=[InputRequired("Choose the year")], coerce=str)
    intervention = SelectField("Intervention", validators=[InputRequired("Choose the intervention")], coerce=str)
    capital = PoundsField("Capital (£)", what="The capital amount", validators=[Optional()])
    revenue = PoundsField("Revenue (£)", what="The revenue amount", validators=[Optional()])


class ApproveForm(Form):
    decided_on = DayField("Date of the board meeting", what="The date of the meeting",
                          validators=[InputRequired("Enter the date of the board meeting")])


class EndorseForm(Form):
    endorsed_on = DayField("Date of the endorsement", what="The date of the endorsement",
                           validators=[InputRequired("Enter the date of the endorsement")])
    endorsed_by = StringField("Who endorsed it", validators=[InputRequired("Enter who endorsed it, with their "
                                                                          "organisation")],
                              description="As they signed, like ‘Sam Lee, The National Lottery Community Fund’.")
    conditions = TextAreaField("Conditions (optional)", validators=[Optional()], render_kw={"rows": 4})


class NewVersionForm(Form):
    note = StringField("What this version changes", validators=[InputRequired("Say in a line what this version "
                                                                              "changes"),
                                                                Length(max=300, message="Keep it to 300 characters")])


class CommentForm(Form):
    section = SelectField("Which part", choices=choices(list(COMMENT_SECTIONS.items())), coerce=str,
                          validators=[InputRequired("Choose which part of the plan your comment is about")])
    body = TextAreaField("Your comment", validators=[InputRequired("Write your comment"), Length(
        max=COMMENT_LIMIT, message=f"Your comment must be {COMMENT_LIMIT:,} characters or fewer")],
        render_kw={"rows": 5})


class HideForm(Form):
    reason = StringField("Why it is hidden", validators=[InputRequired("Say why it is hidden; the reason is shown "
                                                                       "in its place")])


class ReviewStartForm(Form):
    title = StringField("What the review covers", validators=[InputRequired("Say what the review covers, like "
                                                                            "‘First investment period’"),
                                                              Length(max=160, message="Keep it to 160 characters")])


class OutputForm(Form):
    output = SelectField("Output", validators=[InputRequired("Choose the output")], coerce=str)
    amount = WholeNumberField("How many", not_a_number="Enter a whole number, like 40",
                              validators=[InputRequired("Enter how many")],
                              render_kw={"inputmode": "numeric", "class": "width-5"})
    reported_on = DayField("Delivered by", what="The day", validators=[InputRequired("Enter the day")])
    note = StringField("Note (optional)", validators=[Optional(), Length(max=300, message="Keep it to 300 "
                                                                                         "characters")])


class SpendOutForm(Form):
    threshold = PoundsField("Spend out when the fund has less than", what="The amount",
                            validators=[InputRequired("Enter the amount, like 150000")],
                            description="Big Local used £150,000: the plan page then shows the legacy checklist.")
    items = TextAreaField("What to hand over, one per line", validators=[Optional()], render_kw={"rows": 6})


class TickForm(Form):
    done_on = DayField("The day it was done", what="The day", validators=[InputRequired("Enter the day it was done")])
    note = StringField("Note (optional)", validators=[Optional(), Length(max=300, message="Keep it to 300 characters")])


class ReasonForm(Form):
    reason = TextAreaField("Why these are still open, and what happens to them",
                           validators=[InputRequired("Say why the items are still open")], render_kw={"rows": 5})


class BoundaryMapForm(Form):
    image = FileField("The map", description="A picture (JPG, PNG, WEBP or GIF) or a PDF, smaller than 5 MB.")
    description = StringField("What it shows", validators=[InputRequired("Describe what the map shows"),
                                                           Length(max=300, message="Keep it to 300 characters")],
                              description="For people who cannot see it, like ‘The EB1 and EB2 streets between "
                                          "Eastbrook Road and the brook’.")


class InterestForm(Form):
    description = TextAreaField("Your interest", validators=[InputRequired("Say what your interest is")],
                                render_kw={"rows": 3})
