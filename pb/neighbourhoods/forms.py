from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from pb.accounts.forms import email_field
from pb.forms import Form, NoMarkup, WholeNumberField

from .models import ROLE_LABELS, ROLES


class LetterCodeForm(Form):
    code = StringField("Code from your letter", validators=[InputRequired("Enter the code from your letter"),
                                                            Length(max=40, message="Enter the 16-character code from your letter, like 7KQ2-M9XD-4HTR-0PWE")],
                       description="16 letters and numbers, for example 7KQ2-M9XD-4HTR-0PWE. Capital or small letters both work.",
                       render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "characters"})


class IssueLettersForm(Form):
    count = WholeNumberField("How many letters?", not_a_number="Number of letters must be a whole number, like 50",
                             validators=[InputRequired("Enter how many letters to print"),
                                         NumberRange(1, 500, "Number of letters must be between 1 and 500")],
                             description="One letter per household. Each has its own code, which works once.",
                             render_kw={"inputmode": "numeric", "class": "width-5"})


class NeighbourhoodForm(Form):
    slug = StringField("Web address name", validators=[InputRequired("Enter a web address name"),
                                                       Length(max=60, message="Web address name must be 60 characters or fewer")],
                       description="Lower-case letters, numbers and hyphens. Appears as /n/name.",
                       render_kw={"spellcheck": "false"})
    name = StringField("Name", validators=[InputRequired("Enter the neighbourhood's name"),
                                           Length(max=120, message="Name must be 120 characters or fewer"), NoMarkup("Name")])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000, message="Description must be 2,000 characters or fewer")],
                                description="A few sentences residents will read on the neighbourhood's page.")
    min_voting_age = WholeNumberField("Minimum voting age", not_a_number="Minimum voting age must be a whole number, like 16",
                                      validators=[InputRequired("Enter the minimum voting age"),
                                                  NumberRange(11, 25, "Minimum voting age must be between 11 and 25")],
                                      render_kw={"inputmode": "numeric", "class": "width-3"})
    commenting_needs_verification = BooleanField("Residents must be verified to comment and suggest changes")
    proposing_needs_verification = BooleanField("Residents must be verified to propose projects")
    voting_needs_verification = BooleanField("Residents must be verified to vote and support proposals")
    consultations_need_board_approval = BooleanField("A board member approves a consultation's questions before it opens")


class AreaForm(Form):
    postcodes = TextAreaField("Eligible postcodes", validators=[InputRequired("Enter at least one postcode")],
                              description="One postcode per line. Residents living at these postcodes can take part.",
                              render_kw={"rows": 12, "spellcheck": "false"})


class GrantRoleForm(Form):
    email = email_field("Email address of the person")
    role = SelectField("Role", choices=[SelectChoice("", "Choose a role")] + [SelectChoice(r, ROLE_LABELS[r]) for r in ROLES],
                       validators=[InputRequired("Choose a role")])


class RevokeRoleForm(Form):
    membership_id = HiddenField()


class HelpRoutesForm(Form):
    """How residents reach a person here: shown wherever pb asks for verification, and printed."""

    help_phone = StringField("Phone number", validators=[Optional(), Length(max=40, message="Phone number must be 40 characters or fewer"),
                                                         NoMarkup("Phone number")],
                             description="A number someone answers, like 0161 496 0000.",
                             render_kw={"autocomplete": "off", "inputmode": "tel", "class": "width-20"})
    help_email = EmailField("Email address", validators=[
        Optional(), Length(max=254, message="Email address must be 254 characters or fewer"),
        Email("Enter an email address in the correct format, like help@eastbrook.example", check_deliverability=False)],
        render_kw={"spellcheck": "false", "inputmode": "email"})
    help_in_person = TextAreaField("Drop-in times and place", validators=[
        Optional(), Length(max=300, message="Drop-in times and place must be 300 characters or fewer"), NoMarkup("Drop-in times and place")],
        description="When and where someone can come without an appointment, like ‘Tuesdays 10am to 12 noon, Eastbrook Community Centre, Mill Lane’.",
        render_kw={"rows": 3})


class PostcodeCheckForm(Form):
    class Meta:
        csrf = False  # a GET search: it changes nothing

    postcode = StringField("Your postcode", validators=[InputRequired("Enter your postcode, like EB1 1AA"),
                                                        Length(max=10, message="Enter a postcode, like EB1 1AA")],
                           render_kw={"autocomplete": "postal-code", "class": "width-10", "spellcheck": "false"})
