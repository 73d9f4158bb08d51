"""Shared form pieces: validators with plain-English messages, and putting a service's refusal
next to the right field."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import ValidationError

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


def _field_has_errors(field) -> bool:
    """Errors of a field, or of any cell of a list of sub-forms (cost lines), including errors a
    service put there after validation."""
    from wtforms import FieldList, FormField

    if isinstance(field, FieldList):
        return any(_field_has_errors(entry) for entry in field.entries)
    if isinstance(field, FormField):
        return any(_field_has_errors(sub) for sub in field.form)
    return bool(field.errors)


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
        raw = valuelist[0].strip().replace(",", "")
        if raw == "":
            self.data = None
            return
        try:
            self.data = int(raw)
        except ValueError:
            self.data = None
            raise ValueError(self.not_a_number) from None


from datetime import date, datetime  # noqa: E402

from wtforms import Field  # noqa: E402

from pb.money import parse_pounds, plain_pounds  # noqa: E402


class PoundsField(Field):
    """An amount of money typed in pounds ('£1,250.50'), held as whole pence."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, what="Amount", **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "class": "width-10"})
        super().__init__(label, validators, **kwargs)
        self.what = what

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return plain_pounds(self.data) if self.data is not None else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip()
        if raw == "":
            self.data = None
            return
        self.data = parse_pounds(raw)
        if self.data is None:
            raise ValueError(f"{self.what} must be an amount in pounds, like 1250 or 1250.50")


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y")


class DayField(Field):
    """A date: the browser's date picker sends 2027-04-01; typed 1/4/2027 works too."""

    widget = TextInput(input_type="date")

    def __init__(self, label=None, validators=None, what="The date", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.what = what

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip()
        if raw == "":
            self.data = None
            return
        for fmt in _DATE_FORMATS:
            try:
                self.data = datetime.strptime(raw, fmt).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(f"{self.what} must be a real date, like 1/4/2027")


class DateTimeLocalField(Field):
    widget = TextInput(input_type="datetime-local")

    def __init__(self, label=None, validators=None, what="The date and time", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.what = what

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%Y-%m-%dT%H:%M") if isinstance(self.data, datetime) else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip()
        if raw == "":
            self.data = None
            return
        for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"):
            try:
                self.data = datetime.strptime(raw, fmt)
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(f"{self.what} must be a real date and time, like 14/5/2027 18:30")


def choices(pairs) -> list:
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated)."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(value, label) for value, label in pairs]
