"""Forms for national programmes: each turns what was typed into values; the services check again."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from pb.forms import Form, NoMarkup, PoundsField, WholeNumberField
from pb.money import parse_pounds

from .services import MAX_POUNDS


class NationalPoundsField(PoundsField):
    """Pounds up to £100m: a national programme's year is larger than any neighbourhood's sums."""

    def parse(self, raw):
        pence = parse_pounds(raw)
        return pence if pence is None or pence <= MAX_POUNDS else None

    def problem(self):
        raw = (self.raw_data[0] if self.raw_data else "").strip().replace(",", "").lstrip("£")
        if raw and parse_pounds(raw) is not None:
            return f"{self.what} must be £100,000,000 or less"
        return super().problem()


def _percent(label, hint):
    return WholeNumberField(label, not_a_number="Enter a whole percentage, like 60", description=hint,
                            validators=[InputRequired("Enter a whole percentage from 0 to 100")],
                            render_kw={"inputmode": "numeric", "class": "width-3"})


class ProgrammeForm(Form):
    name = StringField("Name of the programme", validators=[InputRequired("Enter the programme's name"), NoMarkup("The name"),
                                                            Length(max=120, message="The name must be 120 characters or fewer")],
                       description="For example ‘Community Wealth Fund’.")
    first_year = StringField("First financial year", validators=[InputRequired("Enter the first financial year, like 2027/28")],
                             description="April to March, like 2027/28.", render_kw={"class": "width-10", "spellcheck": "false"})
    years = WholeNumberField("How many years it lasts", not_a_number="Enter the number of years as a whole number, like 10",
                             validators=[InputRequired("Enter how many financial years it lasts, from 1 to 15")],
                             render_kw={"inputmode": "numeric", "class": "width-3"})
    annual_amount = NationalPoundsField("Money shared out each year", what="The money each year",
                                        validators=[InputRequired("Enter the money shared out each year, in pounds")])
    base_amount = NationalPoundsField("Base amount for every neighbourhood each year", what="The base amount",
                                      validators=[InputRequired("Enter the base amount, in pounds (0 for none)")],
                                      description="Every neighbourhood gets this first; the rest is shared by the weights below.")
    population_weight = _percent("Share of the rest by population (%)", "Each neighbourhood's share of all the people.")
    deprivation_weight = _percent("Share of the rest by deprivation score (%)",
                                  "Each neighbourhood's share of all the deprivation scores. The two shares add up to 100%.")
    required_framework = SelectField("The plan's framework", validators=[Optional()], validate_choice=False,
                                     description="The framework every neighbourhood's plan must follow, or leave "
                                                 "each neighbourhood to choose.")
    description = TextAreaField("Description (optional)",
                                validators=[Optional(), Length(max=4000, message="Keep it to 4,000 characters or fewer")])


class FiguresForm(Form):
    # The service says which years are open (a clearer message than "Not a valid choice").
    financial_year = SelectField("Financial year", validators=[InputRequired("Choose the financial year")], validate_choice=False)
    figures = TextAreaField("Figures (CSV)", validators=[Optional(), Length(max=200_000, message="Paste at most 200,000 characters; upload a file instead")],
                            description="One line per neighbourhood after the column names: "
                                        "neighbourhood,region,population,deprivation_score",
                            render_kw={"rows": 8, "spellcheck": "false"})
    figures_file = FileField("Or upload the CSV file")
