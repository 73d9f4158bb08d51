"""The auditor's view of a neighbourhood's audit log: entries, verification, download."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy import func, select

from pb.access import public, roles
from pb.forms import Form
from pb.neighbourhoods.models import AUDITOR
from pb.extensions import db

from .models import AuditEntry
from .services import entries_of, existing_log, verify_log

bp = Blueprint("ledger", __name__)


class EmptyForm(Form):
    pass
PAGE_SIZE = 50


def entries_page(log, page: int):
    if log is None:
        return [], 0, 1
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.log_id == log.id))
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.log_id == log.id)
                              .order_by(AuditEntry.seq.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return rows, total, max(1, -(-total // PAGE_SIZE))


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


@bp.route("/n/<slug>/audit")
@roles(AUDITOR)
def log(slug):
    audit_log = existing_log(g.neighbourhood)
    page = page_number()
    rows, total, pages = entries_page(audit_log, page)
    result = verification(audit_log, total)
    return render_template("ledger/log.html", hood=g.neighbourhood, log=audit_log, rows=rows, total=total,
                           page=page, pages=pages, result=result)


def verification(audit_log, total):
    """The chain check asked for with ?verify=1, as the page shows it."""
    if request.args.get("verify") != "1":
        return None
    problem = verify_log(audit_log) if audit_log is not None else None
    return {"ok": problem is None, "problem": problem, "count": total}


@bp.route("/n/<slug>/audit/entries.jsonl")
@roles(AUDITOR)
def download(slug):
    audit_log = existing_log(g.neighbourhood)

    def lines():
        import json

        for entry in (entries_of(audit_log) if audit_log is not None else ()):
            yield json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"

    return Response(stream_with_context(lines()), mimetype="application/x-ndjson", headers={
        "Content-Disposition": f'attachment; filename="{g.neighbourhood.slug}-audit.jsonl"'})


# --- checkpoints: public, so that anyone can hold the operators to what they signed ------------------

@bp.route("/n/<slug>/checkpoints")
@public
def checkpoints(slug):
    from .checkpoints import verifier_key
    from .models import Checkpoint

    audit_log = existing_log(g.neighbourhood)
    rows = db.session.scalars(select(Checkpoint).where(Checkpoint.log_id == audit_log.id)
                              .order_by(Checkpoint.id.desc())).all() if audit_log else []
    return render_template("ledger/checkpoints.html", hood=g.neighbourhood, rows=rows, key=verifier_key(),
                           form=EmptyForm(), mine={m.role for m in current_user.roles_in(g.neighbourhood)}
                           if current_user.is_authenticated else set())


@bp.route("/n/<slug>/checkpoint.txt")
@public
def checkpoint_text(slug):
    from .checkpoints import latest

    audit_log = existing_log(g.neighbourhood)
    row = latest(audit_log) if audit_log else None
    if row is None:
        abort(404)
    return Response(row.note, mimetype="text/plain; charset=utf-8")


@bp.route("/checkpoint-key.txt")
@public
def checkpoint_key():
    from .checkpoints import verifier_key

    return Response(verifier_key() + "\n", mimetype="text/plain; charset=utf-8")


@bp.route("/n/<slug>/audit/checkpoint", methods=["POST"])
@roles(AUDITOR)
def checkpoint_now(slug):
    from pb.services import ServiceError

    from .checkpoints import checkpoint_now as make

    if EmptyForm().validate_on_submit():
        try:
            row = make(g.neighbourhood, "asked for by an auditor")
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"Checkpoint signed at tree size {row.size}.", "success")
    return redirect(url_for("ledger.checkpoints", slug=slug))
