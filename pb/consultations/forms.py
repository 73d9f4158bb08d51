"""The facilitator's and the board's forms. A resident's answers come from one question's fields,
parsed by pb.consultations.answering (the fields depend on the question)."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from pb.forms import DayField, Form, NoMarkup, WholeNumberField, choices

from .models import AGE_BANDS, EngagementKind, QuestionKind, WhoMayAnswer
from .moderation import REASONS


class ConsultationForm(Form):
    title = StringField("Title", validators=[InputRequired("Enter a title, like ‘What matters most to you in Eastbrook?’"),
                                             Length(max=160, message="Title must be 160 characters or fewer"),
                                             NoMarkup("Title")],
                        description="A question residents understand at a glance.")
    introduction = TextAreaField("Introduction", validators=[Optional(), Length(
        max=3000, message="The introduction must be 3,000 characters or fewer")],
        description="What it is for, what happens to the answers, and how long it takes. Shown before the first "
                    "question and printed on paper copies.")
    who_may_answer = RadioField("Who may answer", choices=choices(list(WhoMayAnswer.labels().items())),
                                default=WhoMayAnswer.VERIFIED, validators=[InputRequired("Choose who may answer")],
                                description="‘Anyone with the link’ needs no account, so one person could answer "
                                            "more than once; residents who sign in still answer only once.")
    opens_on = DayField("Opens on", what="The opening day", validators=[InputRequired("Enter the day it opens")])
    closes_on = DayField("Last day for answers", what="The last day",
                         validators=[InputRequired("Enter the last day answers are taken")])
    second_keying_percent = WholeNumberField(
        "Paper copies keyed twice (%)", not_a_number="Enter a whole number from 0 to 100, like 10",
        validators=[InputRequired("Enter the share of paper copies a second facilitator keys again, from 0 to 100")],
        default=10, description="A second facilitator keys this share of paper copies again, chosen at random; any "
                                "difference is listed for you to decide. 100 checks every copy.",
        render_kw={"inputmode": "numeric", "class": "width-3"})


class QuestionForm(Form):
    kind = RadioField("Kind of question", choices=choices(list(QuestionKind.labels().items())),
                      validators=[InputRequired("Choose what kind of question this is")])
    prompt = StringField("Question", validators=[InputRequired("Enter the question"),
                                                 Length(max=300, message="The question must be 300 characters or fewer")])
    hint = StringField("Hint (optional)", validators=[Optional(), Length(max=500, message="The hint must be 500 "
                                                                                          "characters or fewer")],
                       description="A line under the question, like ‘Choose up to three’.")
    options = TextAreaField("Choices, one per line", validators=[Optional(), Length(
        max=4000, message="The choices must be 4,000 characters or fewer in all")],
        description="For choose one, choose several, put in order and about you. An ‘about you’ question on age "
                    "uses the standard age bands, whatever is typed here.", render_kw={"rows": 6})
    max_choices = WholeNumberField("Most choices (choose several)", not_a_number="Enter a whole number, like 3",
                                   validators=[Optional()], description="Leave blank to allow every choice.",
                                   render_kw={"inputmode": "numeric", "class": "width-3"})
    about_group = StringField("What it asks about (about you)", validators=[Optional(), Length(
        max=60, message="What it asks about must be 60 characters or fewer")],
        description="‘age’, or a group your area profile names, like ‘ethnic group’.")
    required = BooleanField("People must answer this question")


class ApproveForm(Form):
    decided_on = DayField("Date the board decided", what="The date the board decided",
                          validators=[InputRequired("Enter the date the board decided")])


class CloseForm(Form):
    reason = StringField("Why it is closing early", validators=[InputRequired("Say why it is closing early; residents "
                                                                              "will read it"),
                                                                Length(max=300, message="Keep it to 300 characters")])


class PrintForm(Form):
    copies = WholeNumberField("How many copies", not_a_number="Enter a whole number, like 50",
                              validators=[InputRequired("Enter how many copies to print")],
                              render_kw={"inputmode": "numeric", "class": "width-5"})


class WithholdForm(Form):
    reason = RadioField("Why", choices=choices(list(REASONS.items())), validators=[InputRequired("Choose a reason")])


class RedactForm(Form):
    shown = TextAreaField("The answer as it will be shown", validators=[InputRequired(
        "Enter the answer as it should be shown, with the personal details taken out")], render_kw={"rows": 5})
    reason = RadioField("Why", choices=choices(list(REASONS.items())), validators=[InputRequired("Choose a reason")])


class ActivityForm(Form):
    kind = RadioField("What kind of activity", choices=choices(list(EngagementKind.labels().items())),
                      validators=[InputRequired("Choose what kind of activity it was")])
    held_on = DayField("When", what="The day it happened", validators=[InputRequired("Enter the day it happened")])
    place = StringField("Where", validators=[InputRequired("Enter where it happened, like ‘Eastbrook market’"),
                                             Length(max=160, message="Where must be 160 characters or fewer"),
                                             NoMarkup("Where")])
    people = WholeNumberField("How many people took part", not_a_number="Enter a whole number, like 40",
                              validators=[InputRequired("Enter how many people took part")],
                              render_kw={"inputmode": "numeric", "class": "width-5"})
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=500, message="The note must be 500 "
                                                                                          "characters or fewer")],
                         description="What people said most, or what you will do next.")
    image = FileField("Photo (optional)", description="A JPG, PNG, WEBP or GIF, smaller than 5 MB. Ask people "
                                                      "before you photograph them.")
    alt_text = StringField("Describe the photo", validators=[Optional(), Length(max=200, message="Keep the "
                                                                                               "description to 200 "
                                                                                               "characters")])


for _index, _band in enumerate(AGE_BANDS):
    setattr(ActivityForm, f"age_{_index}", WholeNumberField(
        f"Aged {_band.lower()}" if not _band.startswith("Under") else _band, not_a_number="Enter a whole number, or leave it blank",
        validators=[Optional()], render_kw={"inputmode": "numeric", "class": "width-5"}))
AGE_FIELDS = [f"age_{i}" for i in range(len(AGE_BANDS))]


class ProfileForm(Form):
    source = StringField("Source", validators=[InputRequired("Say where the figures come from, like ‘Census 2021, "
                                                             "ONS table TS007’"),
                                               Length(max=200, message="The source must be 200 characters or fewer")])
    year = WholeNumberField("Year the figures describe", not_a_number="Enter a year, like 2021",
                            validators=[InputRequired("Enter the year the figures describe")],
                            render_kw={"inputmode": "numeric", "class": "width-5"})
    csv = TextAreaField("Figures (CSV)", validators=[Optional()], render_kw={"rows": 12, "spellcheck": "false"},
                        description="A header line group,band,population then one line per band, like "
                                    "age,16 to 24,1240. Age bands: " + ", ".join(AGE_BANDS) + ".")
    file = FileField("Or choose a CSV file")
