from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length, NumberRange

from pb.forms import Form, NoMarkup, WholeNumberField

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


def email_field(label="Email address"):
    return EmailField(label, validators=[
        InputRequired("Enter your email address"),
        Length(max=254, message="Email address must be 254 characters or fewer"),
        Email(EMAIL_FORMAT, check_deliverability=False),
    ], render_kw={"autocomplete": "email", "spellcheck": "false", "inputmode": "email"})


class RegisterForm(Form):
    name = StringField("Full name", validators=[
        InputRequired("Enter your full name"),
        Length(max=100, message="Full name must be 100 characters or fewer"),
        NoMarkup("Full name"),
    ], render_kw={"autocomplete": "name", "spellcheck": "false"})
    email = email_field()
    password = PasswordField("Create a password", validators=[InputRequired("Create a password")],
                             render_kw={"autocomplete": "new-password"})
    postcode = StringField("Postcode", validators=[
        InputRequired("Enter your postcode"), Length(max=10, message="Enter a real UK postcode, like E1 6AN")],
        render_kw={"autocomplete": "postal-code", "spellcheck": "false", "class": "width-10"})
    birth_year = WholeNumberField("Year of birth", not_a_number="Enter your year of birth as 4 numbers, like 1984", validators=[
        InputRequired("Enter your year of birth as 4 numbers, like 1984"),
        NumberRange(1900, 2100, "Enter your year of birth as 4 numbers, like 1984")],
        render_kw={"inputmode": "numeric", "autocomplete": "bday-year", "class": "width-5"})


class SignInForm(Form):
    email = email_field()
    password = PasswordField("Password", validators=[InputRequired("Enter your password")],
                             render_kw={"autocomplete": "current-password"})


class ForgotPasswordForm(Form):
    email = email_field()


class ResetPasswordForm(Form):
    password = PasswordField("New password", validators=[InputRequired("Enter a new password")],
                             render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(Form):
    current_password = PasswordField("Current password", validators=[InputRequired("Enter your current password")],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", validators=[InputRequired("Enter a new password")],
                                 render_kw={"autocomplete": "new-password"})


class EraseAccountForm(Form):
    hide_words = BooleanField("Also ask for my comments and proposals to be hidden")
    password = PasswordField("Your password", validators=[InputRequired("Enter your password to confirm it is you")],
                             render_kw={"autocomplete": "current-password"})
