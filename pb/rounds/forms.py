from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from pb.forms import DayField, Form, NoMarkup, PoundsField, WholeNumberField, choices

from .models import BALLOT_TYPES, COUNTING_RULES, PHASE_LABELS, PHASES, SETUP, SPEND_RULES, TIE_BREAKS, WHO_MAY_PROPOSE
from .services import RULE_LABELS


class RoundForm(Form):
    name = StringField("Name of the round", validators=[InputRequired("Enter the round's name"),
                                                        Length(max=120, message="Name must be 120 characters or fewer"),
                                                        NoMarkup("Name")],
                       description="For example ‘Eastbrook Community Fund 2027/28’.")
    fund_year = StringField("Fund year", validators=[InputRequired("Enter the fund year, like 2027/28")],
                            description="The financial year the money comes from, like 2027/28.",
                            render_kw={"class": "width-10", "spellcheck": "false"})
    total_budget = PoundsField("Total budget", what="Total budget",
                               validators=[InputRequired("Enter the total budget in pounds, like 120000")],
                               description="In pounds, for example 120000.")
    description = TextAreaField("Description", validators=[Optional(), Length(max=4000, message="Description must be 4,000 characters or fewer")],
                                description="What the money is for and who decides. Residents read this first.")


class RulesForm(Form):
    who_may_propose = RadioField("Who may propose", choices=choices(list(WHO_MAY_PROPOSE.items())),
                                 validators=[InputRequired("Choose who may propose")])
    ballot_type = RadioField("Ballot type", choices=choices(list(BALLOT_TYPES.items())),
                             validators=[InputRequired("Choose a ballot type")])
    ballot_min = WholeNumberField("Fewest choices on a ballot", not_a_number="Fewest choices must be a whole number, like 1",
                                  validators=[InputRequired("Enter the fewest choices a ballot may have, like 1")],
                                  render_kw={"inputmode": "numeric", "class": "width-3"})
    ballot_max = WholeNumberField("Most choices on a ballot (optional)", not_a_number="Most choices must be a whole number, like 5",
                                  validators=[Optional()], description="Leave empty for no limit (knapsack ballots are limited by cost).",
                                  render_kw={"inputmode": "numeric", "class": "width-3"})
    ballot_points = WholeNumberField("Points to share out (points ballots only)", not_a_number="Points must be a whole number, like 10",
                                     validators=[Optional()], render_kw={"inputmode": "numeric", "class": "width-3"})
    counting_rule = SelectField("Counting rule", choices=choices(list(COUNTING_RULES.items())),
                                validators=[InputRequired("Choose a counting rule")])
    tie_break = SelectField("Tie-break", choices=choices(list(TIE_BREAKS.items())), validators=[InputRequired("Choose a tie-break")])
    support_cap = WholeNumberField("Most proposals one resident may support (optional)",
                                   not_a_number="The support limit must be a whole number, like 5", validators=[Optional()],
                                   render_kw={"inputmode": "numeric", "class": "width-3"})
    support_threshold = WholeNumberField("Supports needed to reach the ballot (optional)",
                                         not_a_number="The support threshold must be a whole number, like 10",
                                         validators=[Optional()], description="Leave empty to put every feasible proposal on the ballot.",
                                         render_kw={"inputmode": "numeric", "class": "width-3"})
    max_per_proposal = PoundsField("Most one proposal may cost (optional)", what="Most one proposal may cost",
                                   validators=[Optional()])
    allow_ballot_changes = BooleanField("Voters may change their ballot until voting closes (only the last one counts)")


class PotForm(Form):
    name = StringField("Name of the pot", validators=[InputRequired("Enter the pot's name"),
                                                      Length(max=80, message="Name must be 80 characters or fewer"),
                                                      NoMarkup("Name")],
                       description="For example ‘Community capacity’ or ‘Open pot’.")
    amount = PoundsField("Amount", what="Pot amount", validators=[InputRequired("Enter the pot's amount in pounds")])
    spend_rule = RadioField("What it may pay for", choices=choices(list(SPEND_RULES.items())), default="any",
                            validators=[InputRequired("Choose what the pot may pay for")])
    max_per_proposal = PoundsField("Most one proposal may cost from this pot (optional)",
                                   what="Most one proposal may cost", validators=[Optional()])
    description = TextAreaField("Rules in plain words (optional)",
                                validators=[Optional(), Length(max=1000, message="Keep it to 1,000 characters or fewer")],
                                description="For example ‘Ring-fenced for training volunteers and running groups’.")


class TimelineForm(Form):
    pass


for _phase in PHASES:
    if _phase != SETUP:
        setattr(TimelineForm, _phase, DayField(f"{PHASE_LABELS[_phase]} starts", what=f"The date {PHASE_LABELS[_phase].lower()} starts",
                                               validators=[InputRequired(f"Enter the date {PHASE_LABELS[_phase].lower()} starts")]))


class ApproveForm(Form):
    decided_on = DayField("Date of the board meeting", what="The date of the meeting",
                          validators=[InputRequired("Enter the date of the board meeting")])
    note = TextAreaField("Minute or note (optional)", validators=[Optional(), Length(max=2000, message="Keep it to 2,000 characters or fewer")])


class RuleChangeForm(Form):
    rule = SelectField("Rule to change", choices=choices([("", "Choose a rule"), *RULE_LABELS.items()]),
                       validators=[InputRequired("Choose the rule to change")])
    value = StringField("New value", validators=[Optional(), Length(max=60, message="Keep the value to 60 characters or fewer")],
                        description="Amounts in pounds, numbers as digits; for a choice, its name as shown on the round page. Leave empty for ‘no limit’.")
    reason = TextAreaField("The board's reason", validators=[InputRequired("Enter the board's reason for the change"),
                                                             Length(max=2000, message="Keep it to 2,000 characters or fewer")])
    decided_on = DayField("Date of the board meeting", what="The date of the meeting",
                          validators=[InputRequired("Enter the date of the board meeting")])
