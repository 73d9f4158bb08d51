"""The auditor's view of a neighbourhood's audit log: entries, verification, download."""
from __future__ import annotations

import json
import os
import tempfile

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from pb.access import public, roles
from pb.auditing import packs
from pb.auditing.pack import export
from pb.extensions import db
from pb.forms import EmptyForm
from pb.jobs import tasks
from pb.ledger.browsing import actions_in, entries_page, entry_filters, page_number, verification
from pb.ledger.checkpoints import checkpoint_now as sign_now
from pb.ledger.checkpoints import covering, inclusion, latest, verifier_key
from pb.ledger.models import AuditEntry, Checkpoint
from pb.ledger.services import entries_of, existing_log
from pb.ledger.verifier import FILENAME as VERIFIER_FILE
from pb.ledger.verifier import verifier_zip
from pb.neighbourhoods.models import AUDITOR
from pb.ratelimits import DOWNLOADS, on_get
from pb.rounds.models import PHASES, VOTING, Round
from pb.rounds.queries import load_round
from pb.services import ServiceError

bp = Blueprint("ledger", __name__)


@bp.route("/n/<slug>/audit")
@roles(AUDITOR)
def log(slug):
    audit_log = existing_log(g.neighbourhood)
    page = page_number()
    filters = entry_filters()
    rows, total, pages = entries_page(audit_log, page, filters)
    result = verification(audit_log, total)
    actions = actions_in(audit_log)
    return render_template("ledger/log.html", hood=g.neighbourhood, log=audit_log, rows=rows, total=total,
                           page=page, pages=pages, result=result, filters=filters, actions=actions,
                           rounds=packable_rounds(g.neighbourhood), verifier_key=verifier_key(), form=EmptyForm())


@bp.route("/n/<slug>/audit/entries/<int:seq>")
@roles(AUDITOR)
def entry(slug, seq):
    """One entry in full, with its proof of inclusion in the latest signed checkpoint."""
    audit_log = existing_log(g.neighbourhood)
    row = db.session.scalar(select(AuditEntry).where(AuditEntry.log_id == audit_log.id, AuditEntry.seq == seq)) \
        if audit_log else None
    if row is None:
        abort(404)
    point = covering(audit_log, seq)
    proof = inclusion(audit_log, row, point) if point is not None else None
    return render_template("ledger/entry.html", hood=g.neighbourhood, entry=row,
                           payload=json.dumps(json.loads(row.payload), indent=2, ensure_ascii=False, sort_keys=True),
                           proof=proof)


def packable_rounds(hood) -> list[dict]:
    """The neighbourhood's rounds that have reached voting (the ones an auditor pack is worth making
    for), each with whether its pack is built in the request or by the worker, and any ready one."""
    later = PHASES[PHASES.index(VOTING):]
    rounds = db.session.scalars(select(Round).where(Round.neighbourhood_id == hood.id, Round.phase.in_(later))
                                .order_by(Round.created_at.desc())).all()
    ballots = packs.ballots_in([r.id for r in rounds])
    return [{"round": r, "large": packs.too_large_for_a_request(r, ballots.get(r.id, 0)), "ready": packs.ready(hood, r.id),
             "building": packs.being_built(hood, r.id)} for r in rounds]


@bp.route("/n/<slug>/audit/rounds/<int:round_id>/pack.sqlite")
@roles(AUDITOR)
@on_get(DOWNLOADS)
def pack(slug, round_id):
    """The round's auditor pack, built when asked (as `flask audit export` does) and sent as it is
    written to disk; the browser shows the download's progress. Nothing is kept on the server."""
    round_ = load_round(round_id)
    prepared = packs.ready(g.neighbourhood, round_.id)
    if prepared is not None:
        return send_file(prepared.path, mimetype="application/vnd.sqlite3", as_attachment=True,
                         download_name=prepared.path.name)
    if packs.too_large_for_a_request(round_):
        flash(f"The pack for {round_.name} is too large to build while you wait: use ‘Prepare the pack’ below.", "error")
        return redirect(url_for("ledger.log", slug=slug))
    folder = os.path.join(current_app.instance_path, "tmp")
    os.makedirs(folder, exist_ok=True)
    handle, path = tempfile.mkstemp(prefix="pack-", suffix=".sqlite", dir=folder)
    os.close(handle)
    try:
        export(round_, path)
        data = open(path, "rb")  # send_file closes it; its name is gone from the disk already
    finally:
        os.unlink(path)
    return send_file(data, mimetype="application/vnd.sqlite3", as_attachment=True,
                     download_name=f"{slug}-round-{round_.id}-auditor-pack.sqlite")


@bp.route("/n/<slug>/audit/rounds/<int:round_id>/prepare-pack", methods=["POST"])
@roles(AUDITOR)
def prepare_pack(slug, round_id):
    """Queue the round's pack for the job worker; the audit page lists it when it is ready."""
    round_ = load_round(round_id)
    if EmptyForm().validate_on_submit():
        packs.mark_building(g.neighbourhood, round_.id)
        tasks.build_auditor_pack(round_.id)
        flash(f"The pack for {round_.name} is being prepared. It appears on this page when it is ready: "
              "come back in a few minutes.", "success")
    return redirect(url_for("ledger.log", slug=slug))


@bp.route("/n/<slug>/audit/entries.jsonl")
@roles(AUDITOR)
@on_get(DOWNLOADS)
def download(slug):
    audit_log = existing_log(g.neighbourhood)

    def lines():
        for entry in (entries_of(audit_log) if audit_log is not None else ()):
            yield json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"

    return Response(stream_with_context(lines()), mimetype="application/x-ndjson", headers={
        "Content-Disposition": f'attachment; filename="{g.neighbourhood.slug}-audit.jsonl"'})


# --- checkpoints: public, so that anyone can hold the operators to what they signed ------------------

@bp.route("/n/<slug>/checkpoints")
@public
def checkpoints(slug):
    audit_log = existing_log(g.neighbourhood)
    rows = db.session.scalars(select(Checkpoint).where(Checkpoint.log_id == audit_log.id)
                              .order_by(Checkpoint.id.desc())).all() if audit_log else []
    return render_template("ledger/checkpoints.html", hood=g.neighbourhood, rows=rows, key=verifier_key(),
                           form=EmptyForm(), mine={m.role for m in current_user.roles_in(g.neighbourhood)}
                           if current_user.is_authenticated else set())


@bp.route("/checkpoints")
@public
def platform_checkpoints():
    """The platform log's checkpoints (accounts, national programmes): public like a neighbourhood's."""
    audit_log = existing_log(None)
    rows = db.session.scalars(select(Checkpoint).where(Checkpoint.log_id == audit_log.id)
                              .order_by(Checkpoint.id.desc())).all() if audit_log else []
    return render_template("ledger/checkpoints.html", hood=None, rows=rows, key=verifier_key(), form=EmptyForm(),
                           mine={"admin"} if current_user.is_authenticated and current_user.is_admin else set())


@bp.route("/checkpoint.txt")
@public
def platform_checkpoint_text():
    audit_log = existing_log(None)
    row = latest(audit_log) if audit_log else None
    if row is None:
        abort(404)
    return Response(row.note, mimetype="text/plain; charset=utf-8")


@bp.route("/n/<slug>/checkpoint.txt")
@public
def checkpoint_text(slug):
    audit_log = existing_log(g.neighbourhood)
    row = latest(audit_log) if audit_log else None
    if row is None:
        abort(404)
    return Response(row.note, mimetype="text/plain; charset=utf-8")


@bp.route("/checkpoint-key.txt")
@public
def checkpoint_key():
    return Response(verifier_key() + "\n", mimetype="text/plain; charset=utf-8")


@bp.route("/audit/pb-audit.pyz")
@public
@on_get(DOWNLOADS)
def verifier():
    """The standalone verifier (pb.ledger.verifier): anyone may check a pack or an exported log."""
    response = Response(verifier_zip(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{VERIFIER_FILE}"'
    return response


@bp.route("/n/<slug>/audit/checkpoint", methods=["POST"])
@roles(AUDITOR)
def checkpoint_now(slug):
    if EmptyForm().validate_on_submit():
        try:
            row = sign_now(g.neighbourhood, "asked for by an auditor")
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"Checkpoint signed at tree size {row.size}.", "success")
    return redirect(url_for("ledger.checkpoints", slug=slug))
