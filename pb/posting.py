"""What a view does with a posted form once it has parsed it: call the service, then either show
the service's refusal (next to its field, or as a flash for a one-button form) or flash what was
done and redirect. Shared by the blueprints so each view keeps only its own call and words."""
from __future__ import annotations

from flask import flash, redirect

from pb.forms import EmptyForm
from pb.services import ServiceError


def attempt(form, call, success, target):
    """Validate, call the service; on success flash and redirect (success and target may take the
    result). None when the form is to be shown again: not posted, not valid, or refused."""
    if not form.validate_on_submit():
        return None
    try:
        result = call()
    except ServiceError as error:
        form.fail(error)
        return None
    flash(success(result) if callable(success) else success, "success")
    return redirect(target(result) if callable(target) else target)


def one_button(call, success) -> None:
    """A one-button action: check the form's token, call the service, flash what happened (success
    may take the result). The caller redirects."""
    if not EmptyForm().validate_on_submit():
        return
    try:
        result = call()
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(success(result) if callable(success) else success, "success")
