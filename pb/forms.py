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
        return bool(self.form_errors) or any(f.errors for f in self)


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
