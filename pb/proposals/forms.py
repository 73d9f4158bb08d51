from flask_wtf.file import FileField
from wtforms import BooleanField, FieldList, FormField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from pb.accounts.forms import email_field
from pb.forms import DateTimeLocalField, Form, NoMarkup, PoundsField, WholeNumberField, choices

from .models import CATEGORIES, FIELD_LABELS, SPEND_KINDS, STANCES, TEXT_FIELDS
from .services import LIMITS

MIN_COST_ROWS = 3


class CostLineForm(Form):
    class Meta:
        csrf = False

    item = StringField("Item", validators=[Optional(), Length(max=120, message="Item must be 120 characters or fewer")])
    kind = SelectField("Revenue or capital", choices=choices([("", "Choose"), *SPEND_KINDS.items()]), validators=[Optional()])
    amount = PoundsField("Amount", what="Amount", validators=[Optional()])
    financial_year = StringField("Financial year", validators=[Optional()], render_kw={"class": "width-10", "spellcheck": "false"})


def _length(name):
    return Length(max=LIMITS[name], message=f"{FIELD_LABELS[name]} must be {LIMITS[name]:,} characters or fewer")


class ProposalForm(Form):
    title = StringField("Title", validators=[InputRequired("Enter a title"), _length("title"), NoMarkup("Title")],
                        description="A short name people will remember, like ‘After-school cooking club’.")
    summary = TextAreaField("Summary", validators=[InputRequired("Enter a summary"), _length("summary")],
                            description=f"One or two sentences, up to {LIMITS['summary']} characters. It is shown in the list and on the ballot.",
                            render_kw={"rows": 3})
    description = TextAreaField("What you want to do", validators=[Optional(), _length("description")], render_kw={"rows": 8})
    need = TextAreaField("The need it meets", validators=[Optional(), _length("need")], render_kw={"rows": 4})
    beneficiaries = TextAreaField("Who benefits", validators=[Optional(), _length("beneficiaries")], render_kw={"rows": 3})
    place = StringField("Where (optional)", validators=[Optional(), _length("place")],
                        description="A postcode or a place name, like ‘Mill Lane park’.")
    category = SelectField("Category", choices=choices([("", "Choose a category"), *CATEGORIES.items()]),
                           validators=[InputRequired("Choose a category")])
    # Asked only when the neighbourhood has a plan: the view fills its choices, and leaves it out otherwise.
    intervention = SelectField("What it serves in the neighbourhood plan (optional)", validators=[Optional()],
                               validate_choice=False)
    pot_id = RadioField("Pot", coerce=int, validators=[InputRequired("Choose the pot this proposal asks money from")])
    group_name = StringField("Local group (optional)", validators=[Optional(), _length("group_name"), NoMarkup("Group name")],
                             description="If you propose for a local group, its name. You are its named contact.")
    lines = FieldList(FormField(CostLineForm), min_entries=MIN_COST_ROWS, max_entries=30)


class SubmitForm(Form):
    answer = TextAreaField("Your answer to the facilitator's questions",
                           validators=[Optional(), Length(max=3000, message="Your answer must be 3,000 characters or fewer")])


class WithdrawForm(Form):
    reason = TextAreaField("Why are you withdrawing it?",
                           validators=[InputRequired("Say why you are withdrawing it, for example ‘the hall is no longer free’"),
                                       Length(max=1000, message="Your reason must be 1,000 characters or fewer")],
                           description="Shown on the proposal's page, so residents who supported it know why.")


class CoProposerForm(Form):
    email = email_field("Email address of the co-proposer")


class ImageForm(Form):
    image = FileField("Picture", description="A JPG, PNG, WEBP or GIF, smaller than 5 MB.")
    alt_text = StringField("Describe the picture", validators=[Optional(), Length(max=200, message="The description must be 200 characters or fewer")],
                           description="For people who cannot see it, like ‘The empty shop on Mill Lane’.")


class ReviewForm(Form):
    outcome = RadioField("Decision", choices=choices([("feasible", "Feasible: it can go forward"),
                                              ("needs_changes", "Needs changes: ask the proposer questions"),
                                              ("not_feasible", "Not feasible")]),
                         validators=[InputRequired("Choose a decision")])
    questions = TextAreaField("Questions or changes for the proposer", validators=[Optional(), Length(max=3000, message="Keep it to 3,000 characters or fewer")])
    reason = TextAreaField("Public reason", description="Required when it is not feasible. Residents will read it.",
                           validators=[Optional(), Length(max=3000, message="Keep it to 3,000 characters or fewer")])


class AdjustCostForm(Form):
    cost = PoundsField("Adjusted cost", what="Adjusted cost", validators=[InputRequired("Enter the adjusted cost in pounds, like 4500")])
    reason = TextAreaField("Public reason", validators=[InputRequired("Give the public reason for adjusting the cost")])


class MergeForm(Form):
    duplicates = StringField("Proposals to merge into this one", validators=[InputRequired("Enter the numbers of the duplicate proposals, like P-4, P-9")],
                             description="Their numbers, separated by commas, like P-4, P-9.", render_kw={"spellcheck": "false"})
    reason = TextAreaField("Public reason", validators=[InputRequired("Say why these proposals are being merged")])


class InterestForm(Form):
    description = TextAreaField("Your interest", validators=[InputRequired("Describe your interest"),
                                                             Length(max=1000, message="The description must be 1,000 characters or fewer")],
                                description="For example ‘My sister chairs the group proposing this’. This is published.")


class CommentForm(Form):
    stance = RadioField("Your comment is", choices=choices(list(STANCES.items())), default="comment",
                        validators=[InputRequired("Choose whether you are for, against, asking a question or commenting")])
    body = TextAreaField("Your comment", validators=[InputRequired("Write your comment"),
                                                Length(max=3000, message="Your comment must be 3,000 characters or fewer")],
                         render_kw={"rows": 4})
    parent_id = HiddenField()
    official = BooleanField("Post as the official answer from facilitators")


class EditCommentForm(Form):
    body = TextAreaField("Your comment", validators=[InputRequired("Write your comment"),
                                                Length(max=3000, message="Your comment must be 3,000 characters or fewer")],
                         render_kw={"rows": 4})


class FlagForm(Form):
    reason = StringField("What is wrong with it?", validators=[InputRequired("Say what is wrong with the comment, for example ‘personal attack’"),
                                                               Length(max=300, message="The reason must be 300 characters or fewer")])


class HideForm(Form):
    reason = StringField("Public reason for hiding it", validators=[InputRequired("Give the public reason for hiding it"),
                                                                   Length(max=500, message="The reason must be 500 characters or fewer")])


class HideProposalForm(Form):
    reason = StringField("Public reason", validators=[InputRequired("Give the public reason for your decision"),
                                                      Length(max=500, message="The reason must be 500 characters or fewer")])


class AmendmentForm(Form):
    field = SelectField("Part to change", choices=choices([("", "Choose a part")] + [(f, FIELD_LABELS[f]) for f in TEXT_FIELDS]),
                        validators=[InputRequired("Choose the part of the proposal to change")])
    new_text = TextAreaField("Your suggested text", validators=[InputRequired("Write the new text you suggest")], render_kw={"rows": 6})
    reason = TextAreaField("Why?", validators=[InputRequired("Say why you suggest this change"),
                                               Length(max=2000, message="Your reason must be 2,000 characters or fewer")])


class AmendmentResponseForm(Form):
    decision = RadioField("Your answer", choices=choices([("accept", "Accept: change my proposal"), ("decline", "Decline")]),
                          validators=[InputRequired("Choose accept or decline")])
    reason = TextAreaField("Reason (needed when you decline)", validators=[Optional(), Length(max=2000, message="Your reason must be 2,000 characters or fewer")])


class EventForm(Form):
    title = StringField("Name", validators=[InputRequired("Enter the event's name"), Length(max=120, message="Name must be 120 characters or fewer"), NoMarkup("Name")])
    starts_at = DateTimeLocalField("Starts", what="The start", validators=[InputRequired("Enter the date and time it starts")])
    place = StringField("Place", validators=[InputRequired("Enter where it happens"), Length(max=200, message="Place must be 200 characters or fewer")])
    access_notes = TextAreaField("Access (optional)", description="Step-free access, hearing loop, childcare, interpreters, ...",
                                 validators=[Optional(), Length(max=2000, message="Keep it to 2,000 characters or fewer")])
    proposals = StringField("Proposals discussed (optional)", description="Their numbers, like P-1, P-4.",
                            validators=[Optional()], render_kw={"spellcheck": "false"})
    attendance = WholeNumberField("Attendance (after the event)", not_a_number="Attendance must be a whole number of people, like 23",
                                  validators=[Optional()], render_kw={"inputmode": "numeric", "class": "width-5"})
    minutes = TextAreaField("Minutes (after the event)", validators=[Optional()], render_kw={"rows": 8})

