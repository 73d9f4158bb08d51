"""Forms for the register: each turns what was typed into values; the services check again."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from pb.forms import DayField, Form, NoMarkup, PoundsField, choices

from .models import FUNDING_KINDS, GROUP_KINDS, KINDS, OUTCOMES, ROUTES, SPEND_KINDS


class AssetForm(Form):
    name = StringField("Name of the place", description="For example ‘The Red Lion’ or ‘Mill Lane playing field’.",
                       validators=[InputRequired("Enter the place's name"), NoMarkup("The name"),
                                   Length(max=120, message="The name must be 120 characters or fewer")])
    kind = RadioField("What kind of place is it?", choices=choices(list(KINDS.items())),
                      validators=[InputRequired("Choose what kind of place it is")])
    address = StringField("Address", validators=[InputRequired("Enter the place's address"), NoMarkup("The address"),
                                                 Length(max=300, message="The address must be 300 characters or fewer")])
    postcode = StringField("Postcode", validators=[InputRequired("Enter the place's postcode, like EB1 2AB")],
                           render_kw={"class": "width-10", "autocomplete": "postal-code", "spellcheck": "false"})
    owner = StringField("Who owns it, as far as you know", validators=[Optional(), NoMarkup("The owner"),
                                                                       Length(max=200, message="The owner must be 200 characters or fewer")],
                        description="Leave it empty if nobody knows. The council can find out from the Land Registry.")
    why = TextAreaField("Why does it matter to the community?",
                        description="What happens there now, or did recently: clubs, meetings, events, who uses it.",
                        validators=[InputRequired("Say why the place matters to the community"),
                                    Length(max=5000, message="Keep it to 5,000 characters or fewer")])


class NominationForm(Form):
    group_name = StringField("Name of the group nominating it", validators=[
        InputRequired("Enter the name of the group nominating it"), NoMarkup("The group's name"),
        Length(max=120, message="The group's name must be 120 characters or fewer")])
    group_kind = RadioField("What kind of group is it?", choices=choices(list(GROUP_KINDS.items())),
                            description="Only these can nominate. An unincorporated group needs at least 21 local "
                                        "people on the electoral register: residents add their names here.",
                            validators=[InputRequired("Choose what kind of group it is")])


class SentForm(Form):
    sent_on = DayField("When was it sent to the council?", what="The day it was sent",
                       validators=[InputRequired("Enter the day it was sent, like 14/3/2027")])


class DecisionForm(Form):
    outcome = RadioField("What did the council decide?", choices=choices(list(OUTCOMES.items())),
                         validators=[InputRequired("Choose what the council decided")])
    decided_on = DayField("Date of the decision", what="The date of the decision",
                          validators=[InputRequired("Enter the date of the decision, like 14/3/2027")])
    reference = StringField("Council's reference", validators=[Optional(), NoMarkup("The reference"),
                                                               Length(max=60, message="The reference must be 60 characters or fewer")],
                            render_kw={"class": "width-20"})
    reasons = TextAreaField("The council's reasons", validators=[Optional(), Length(max=5000, message="Keep it to 5,000 characters or fewer")])


class NoticeForm(Form):
    notified_on = DayField("When did the council receive the owner's notice?", what="The date of the notice",
                           description="The date on the council's letter or its list of assets: every deadline runs from it.",
                           validators=[InputRequired("Enter the date of the notice, like 14/3/2027")])


class CorrectionForm(Form):
    what = SelectField("Which date was wrong?", choices=choices([("decision", "The council's decision"),
                                                                 ("notice", "The owner's notice to sell")]),
                       validators=[InputRequired("Choose which date was wrong")])
    new_date = DayField("The correct date", what="The correct date",
                        validators=[InputRequired("Enter the correct date, like 14/3/2027")])
    reason = TextAreaField("Why was it wrong?", description="Shown on the asset's page beside both dates.",
                           validators=[InputRequired("Say why the date was wrong"),
                                       Length(max=1000, message="Keep it to 1,000 characters or fewer")])


class BidForm(Form):
    group_name = StringField("Name of the group bidding", validators=[
        InputRequired("Enter the name of the group bidding"), NoMarkup("The group's name"),
        Length(max=120, message="The group's name must be 120 characters or fewer")])
    intended_on = DayField("When did the group ask the council to be treated as a potential bidder?",
                           what="The day the group asked", validators=[InputRequired("Enter the day the group asked, like 14/3/2027")])
    purchase_price = PoundsField("Purchase price (capital)", what="The purchase price",
                                 validators=[InputRequired("Enter the purchase price in pounds, like 350000")])
    valuation = PoundsField("Independent valuation", what="The valuation", validators=[Optional()])
    valued_on = DayField("Date of the valuation", what="The date of the valuation", validators=[Optional()])
    valuer = StringField("Valuer", validators=[Optional(), NoMarkup("The valuer"),
                                               Length(max=120, message="The valuer must be 120 characters or fewer")])
    refurbishment = PoundsField("Refurbishment", what="The refurbishment", validators=[Optional()])
    refurbishment_kind = RadioField("Is the refurbishment revenue or capital?", choices=choices(list(SPEND_KINDS.items())),
                                    default="capital", validators=[InputRequired("Choose revenue or capital")])
    running_costs = PoundsField("Running costs for the first years", what="The running costs", validators=[Optional()])
    running_kind = RadioField("Are the running costs revenue or capital?", choices=choices(list(SPEND_KINDS.items())),
                              default="revenue", validators=[InputRequired("Choose revenue or capital")])
    target = PoundsField("Total to raise", what="The total", description="The purchase price, refurbishment and running costs added up.",
                         validators=[InputRequired("Enter the total the group needs to raise")])


class PledgeForm(Form):
    amount = PoundsField("How much do you promise?", what="The amount", description="A promise, not a payment: the group "
                         "asks for the money if the bid goes ahead.", validators=[InputRequired("Enter an amount, like 50")])
    show_name = BooleanField("Show my name beside my pledge (otherwise only the amount is public)")
    confirm_large = BooleanField("I confirm this amount (over £100,000)")


class FundingForm(Form):
    source = StringField("Who is it from?", validators=[InputRequired("Enter who the grant or loan is from"),
                                                        NoMarkup("The source"), Length(max=120, message="Keep it to 120 characters or fewer")])
    kind = RadioField("What kind of funding?", choices=choices(list(FUNDING_KINDS.items())),
                      validators=[InputRequired("Choose what kind of funding it is")])
    amount = PoundsField("Amount", what="The amount", validators=[InputRequired("Enter the amount in pounds")])
    secured = BooleanField("It is agreed (not only applied for)")


class OutcomeForm(Form):
    outcome = RadioField("How did it end?", choices=choices([("bought", "The community bought it"),
                                                             ("not_bought", "It was not bought")]),
                         validators=[InputRequired("Choose how it ended")])
    outcome_on = DayField("Date", what="The date", validators=[InputRequired("Enter the date, like 14/3/2027")])
    price_paid = PoundsField("Price paid", what="The price paid", validators=[Optional()])
    reason = TextAreaField("Why it was not bought (or anything to add)", validators=[Optional(), Length(max=5000)])


class FundRequestForm(Form):
    route = RadioField("How should the bid ask the neighbourhood's fund?", choices=choices(list(ROUTES.items())),
                       validators=[InputRequired("Choose how to ask the fund")])
    amount = PoundsField("How much?", what="The amount", validators=[InputRequired("Enter the amount in pounds")])
    round_id = SelectField("Which round? (for a proposal)", coerce=str, validators=[Optional()])
    reason = TextAreaField("Why the board should decide directly (for a board decision)",
                           validators=[Optional(), Length(max=2000, message="Keep it to 2,000 characters or fewer")])


class PhotoForm(Form):
    image = FileField("Photo", description="A JPG, PNG, WEBP or GIF, smaller than 5 MB.")
    alt_text = StringField("Describe the photo", description="For people who cannot see it, like ‘The Red Lion from Mill Lane’.",
                           validators=[Optional(), Length(max=200, message="The description must be 200 characters or fewer")])
