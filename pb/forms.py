"""Shared form pieces: validators with plain-English messages, and putting a service's refusal
next to the right field."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, ValidationError
from wtforms.fields.choices import SelectChoice

from pb.text import HIDDEN_CHARACTERS, hidden_characters

_MARKUP = re.compile(r"[<>]")


class NoMarkup:
    """Refuse < and > in short text such as names: nothing here needs them, and refusing them
    means no stored text can ever be mistaken for HTML by a careless export."""

    def __init__(self, what: str):
        self.what = what

    def __call__(self, form, field):
        if field.data and _MARKUP.search(field.data):
            raise ValidationError(f"{self.what} must not contain < or >")


class Form(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        """Every text field of every form refuses hidden control characters, with its own message."""
        ok = super().validate(extra_validators)
        for field in _text_fields(self):
            if hidden_characters(field.data):
                field.errors = [*field.errors, f"{field.label.text} {HIDDEN_CHARACTERS}"]
                ok = False
        return ok

    def fail(self, error) -> None:
        """Show a ServiceError next to its field (or at the top when it has none)."""
        field = getattr(self, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
        else:
            self.form_errors.append(error.message)

    @property
    def has_errors(self) -> bool:
        return bool(self.form_errors) or any(_field_has_errors(f) for f in self)


def _leaves(field):
    """The field itself, or every cell of a list of sub-forms (cost lines)."""
    if isinstance(field, FieldList):
        for entry in field.entries:
            yield from _leaves(entry)
    elif isinstance(field, FormField):
        for sub in field.form:
            yield from _leaves(sub)
    else:
        yield field


def _text_fields(form):
    """The fields holding typed text, inside lists of sub-forms too."""
    return (leaf for field in form for leaf in _leaves(field) if isinstance(leaf.data, str))


def _field_has_errors(field) -> bool:
    """Errors of a field, or of any cell of a list of sub-forms, including errors a service put
    there after validation."""
    return any(leaf.errors for leaf in _leaves(field))


from wtforms import IntegerField  # noqa: E402
from wtforms.widgets import TextInput  # noqa: E402


class WholeNumberField(IntegerField):
    """An IntegerField whose "not a number" message is the one given, in plain English. Rendered
    as text with a numeric keyboard (GOV.UK advice: number inputs mangle what people type)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, not_a_number="Enter a whole number", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip()
        if raw == "":
            self.data = None
            return
        self.data = whole_number(raw, commas=True)
        if self.data is None:
            raise ValueError(self.not_a_number)


from datetime import date, datetime  # noqa: E402

from wtforms import Field  # noqa: E402

from pb.money import parse_pounds, plain_pounds, pounds  # noqa: E402
from pb.numbers import MAX_INT, whole_number  # noqa: E402


class TypedTextField(Field):
    """A text box whose text becomes a typed value (`parse`) with one plain-English message when it
    cannot (`problem`). An empty box is None; what was typed is shown back as typed."""

    widget = TextInput()
    default_what = "The value"

    def __init__(self, label=None, validators=None, what=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.what = what or self.default_what

    def parse(self, raw: str):
        raise NotImplementedError

    def show(self, data) -> str:
        return str(data)

    def problem(self) -> str:
        raise NotImplementedError

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.show(self.data) if self.data is not None else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip()
        self.data = self.parse(raw) if raw else None
        if raw and self.data is None:
            raise ValueError(self.problem())


def _first_format(raw: str, formats, convert):
    for fmt in formats:
        try:
            return convert(datetime.strptime(raw, fmt))
        except ValueError:
            continue
    return None


class PoundsField(TypedTextField):
    """An amount of money typed in pounds ('£1,250.50'), held as whole pence."""

    default_what = "Amount"

    def __init__(self, label=None, validators=None, what=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "class": "width-10"})
        super().__init__(label, validators, what, **kwargs)

    def parse(self, raw):
        pence = parse_pounds(raw)
        return pence if pence is None or pence <= MAX_INT else None

    def show(self, data):
        return plain_pounds(data)

    def problem(self):
        raw = (self.raw_data[0] if self.raw_data else "").strip().replace(",", "").lstrip("£")
        if raw and parse_pounds(raw) is not None:  # an amount, but too large to hold
            return f"{self.what} must be {pounds(MAX_INT)} or less"
        if raw.startswith("-") and parse_pounds(raw[1:]) is not None:
            return f"{self.what} must be more than £0, not a negative amount"
        if re.fullmatch(r"[0-9]+\.[0-9]{3,}", raw):
            return f"{self.what} must be in pounds and pence, with at most two decimal places, like 1250.50"
        return f"{self.what} must be an amount in pounds, like 1250 or 1250.50"


class DayField(TypedTextField):
    """A date: the browser's date picker sends 2027-04-01; typed 1/4/2027 works too."""

    widget = TextInput(input_type="date")
    default_what = "The date"

    def parse(self, raw):
        return _first_format(raw, ("%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y"), lambda moment: moment.date())

    def show(self, data):
        return data.isoformat() if isinstance(data, date) else ""

    def problem(self):
        return f"{self.what} must be a real date, like 1/4/2027"


class DateTimeLocalField(TypedTextField):
    widget = TextInput(input_type="datetime-local")
    default_what = "The date and time"

    def parse(self, raw):
        return _first_format(raw, ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"), lambda moment: moment)

    def show(self, data):
        return data.strftime("%Y-%m-%dT%H:%M") if isinstance(data, datetime) else ""

    def problem(self):
        return f"{self.what} must be a real date and time, like 14/5/2027 18:30"


class EmptyForm(Form):
    """A form with nothing but its CSRF token: for buttons that post."""


def choices(pairs) -> list:
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]
