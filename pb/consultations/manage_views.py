"""Running a consultation: writing it, the board's approval, paper copies and their keying,
moderating written answers, closing and publishing. Facilitators run it; board members approve."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb import timeutil
from pb.access import one_of_this_neighbourhood, roles
from pb.accounts.models import User
from pb.extensions import db
from pb.forms import EmptyForm
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, RESIDENT, Membership
from pb.neighbourhoods.services import person_matches, resident_of
from pb.numbers import whole_number
from pb.posting import attempt, one_button
from pb.services import ServiceError
from pb.text import search_text

from . import building, engagement, moderation, paper
from .forms import (
    AGE_FIELDS,
    ActivityForm,
    ApproveForm,
    CloseForm,
    ConsultationForm,
    PrintForm,
    ProfileForm,
    QuestionForm,
    RedactForm,
    WithholdForm,
)
from .models import (
    AGE_BANDS,
    PREFER_NOT,
    Consultation,
    ConsultationPaperBatch,
    ConsultationQuestion,
    ConsultationStatus,
    ConsultationText,
    QuestionKind,
)
from .queries import sent_figures
from .results import answer_words

bp = Blueprint("consultation_admin", __name__)


def _load(consultation_id: int) -> Consultation:
    return one_of_this_neighbourhood(Consultation, consultation_id)


def _question(consultation: Consultation, question_id: int) -> ConsultationQuestion:
    question = db.session.get(ConsultationQuestion, question_id)
    if question is None or question.consultation_id != consultation.id:
        abort(404)
    return question


def _manage_url(consultation: Consultation) -> str:
    return url_for("consultation_admin.manage", slug=g.neighbourhood.slug, consultation_id=consultation.id)


def _page(form, *, heading, fields, submit, consultation=None, intro=None, warning=False):
    back = _manage_url(consultation) if consultation else url_for("consultations.index", slug=g.neighbourhood.slug)
    return render_template("form_page.html", hood=g.neighbourhood, form=form, heading=heading, fields=fields,
                           submit=submit, back=back, intro=intro, caption=consultation.title if consultation else None,
                           warning=warning), 400 if form.has_errors else 200


SETTINGS_FIELDS = ["title", "introduction", "who_may_answer", "opens_on", "closes_on", "second_keying_percent"]


@bp.route("/n/<slug>/consultations/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def new(slug):
    form = ConsultationForm()
    done = attempt(form, lambda: building.create_consultation(
        g.neighbourhood, current_user, title=form.title.data, introduction=form.introduction.data,
        who_may_answer=form.who_may_answer.data, opens_on=form.opens_on.data, closes_on=form.closes_on.data,
        second_keying_percent=form.second_keying_percent.data),
        "Consultation started. Now add its questions.", _manage_url)
    return done or _page(form, heading="Start a consultation", fields=SETTINGS_FIELDS, submit="Start the consultation")


@bp.route("/n/<slug>/consultations/<int:consultation_id>/manage")
@roles(FACILITATOR, BOARD_MEMBER)
def manage(slug, consultation_id):
    consultation = _load(consultation_id)
    mine = {m.role for m in current_user.roles_in(g.neighbourhood)}
    return render_template("consultations/manage.html", hood=g.neighbourhood, consultation=consultation,
                           today=timeutil.today(), form=EmptyForm(), mine=mine, figures=sent_figures(consultation),
                           problems=building.ready_problems(consultation),
                           publish_problems=building.publish_problems(consultation)
                           if consultation.status != ConsultationStatus.PUBLISHED else [],
                           waiting=len(moderation.waiting(consultation)), paper=paper.paper_figures(consultation),
                           Status=ConsultationStatus)


@bp.route("/n/<slug>/consultations/<int:consultation_id>/settings", methods=["GET", "POST"])
@roles(FACILITATOR)
def settings(slug, consultation_id):
    consultation = _load(consultation_id)
    form = ConsultationForm(obj=consultation)
    done = attempt(form, lambda: building.update_settings(consultation, current_user, **{
        name: getattr(form, name).data or ("" if name == "introduction" else getattr(form, name).data)
        for name in SETTINGS_FIELDS}), lambda changed: "Changes saved." if changed else "Nothing was changed.",
        _manage_url(consultation))
    return done or _page(form, heading="Settings", fields=SETTINGS_FIELDS, submit="Save changes",
                         consultation=consultation)


QUESTION_FIELDS = ["kind", "prompt", "hint", "options", "max_choices", "about_group", "required"]


def _question_values(form) -> dict:
    return {"kind": form.kind.data, "prompt": form.prompt.data, "hint": form.hint.data or "",
            "options": form.options.data or "", "max_choices": form.max_choices.data, "required": form.required.data,
            "about_group": form.about_group.data}


@bp.route("/n/<slug>/consultations/<int:consultation_id>/questions/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def add_question(slug, consultation_id):
    consultation = _load(consultation_id)
    form = QuestionForm()
    done = attempt(form, lambda: building.add_question(consultation, current_user, **_question_values(form)),
                   "Question added.", _manage_url(consultation))
    return done or _page(form, heading="Add a question", fields=QUESTION_FIELDS, submit="Add the question",
                         consultation=consultation)


@bp.route("/n/<slug>/consultations/<int:consultation_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles(FACILITATOR)
def edit_question(slug, consultation_id, question_id):
    consultation = _load(consultation_id)
    question = _question(consultation, question_id)
    form = QuestionForm(obj=question)
    if request.method == "GET":
        form.options.data = "\n".join(question.options or [])
    done = attempt(form, lambda: building.update_question(question, current_user, **_question_values(form)),
                   "Question changed.", _manage_url(consultation))
    return done or _page(form, heading=f"Change question {question.position}", fields=QUESTION_FIELDS,
                         submit="Save the question", consultation=consultation)


@bp.route("/n/<slug>/consultations/<int:consultation_id>/questions/<int:question_id>/remove", methods=["POST"])
@roles(FACILITATOR)
def remove_question(slug, consultation_id, question_id):
    consultation = _load(consultation_id)
    question = _question(consultation, question_id)
    one_button(lambda: building.remove_question(question, current_user), "Question removed.")
    return redirect(_manage_url(consultation))


@bp.route("/n/<slug>/consultations/<int:consultation_id>/questions/<int:question_id>/move", methods=["POST"])
@roles(FACILITATOR)
def move_question(slug, consultation_id, question_id):
    consultation = _load(consultation_id)
    question = _question(consultation, question_id)
    one_button(lambda: building.move_question(question, current_user, request.form.get("direction", "")),
               "Question moved.")
    return redirect(_manage_url(consultation))


@bp.route("/n/<slug>/consultations/<int:consultation_id>/preview")
@roles(FACILITATOR, BOARD_MEMBER)
def preview(slug, consultation_id):
    consultation = _load(consultation_id)
    return render_template("consultations/preview.html", hood=g.neighbourhood, consultation=consultation,
                           Kind=QuestionKind, PREFER_NOT=PREFER_NOT, printing=False)


@bp.route("/n/<slug>/consultations/<int:consultation_id>/finish", methods=["POST"])
@roles(FACILITATOR)
def finish(slug, consultation_id):
    consultation = _load(consultation_id)
    one_button(lambda: building.finish_writing(consultation, current_user),
               lambda to: "Sent to the board for approval." if to == ConsultationStatus.AWAITING_APPROVAL
               else "Ready: it opens on its opening day.")
    return redirect(_manage_url(consultation))


@bp.route("/n/<slug>/consultations/<int:consultation_id>/reopen", methods=["POST"])
@roles(FACILITATOR)
def reopen(slug, consultation_id):
    consultation = _load(consultation_id)
    one_button(lambda: building.back_to_writing(consultation, current_user),
               "Back to being written: change the questions, then finish again.")
    return redirect(_manage_url(consultation))


@bp.route("/n/<slug>/consultations/<int:consultation_id>/approve", methods=["GET", "POST"])
@roles(BOARD_MEMBER)
def approve(slug, consultation_id):
    consultation = _load(consultation_id)
    form = ApproveForm()
    done = attempt(form, lambda: building.approve(consultation, current_user, decided_on=form.decided_on.data),
                   "Approved: it opens on its opening day.", _manage_url(consultation))
    return done or _page(form, heading="Approve the questions", fields=["decided_on"], submit="Approve",
                         consultation=consultation,
                         intro=["Read the questions first (the preview shows them as residents will). Once approved, "
                                "the questions cannot change without going back to the board."])


@bp.route("/n/<slug>/consultations/<int:consultation_id>/close", methods=["GET", "POST"])
@roles(FACILITATOR)
def close(slug, consultation_id):
    consultation = _load(consultation_id)
    form = CloseForm()
    done = attempt(form, lambda: building.close_early(consultation, current_user, reason=form.reason.data),
                   "Closed. Nobody can answer now.", _manage_url(consultation))
    return done or _page(form, heading="Close early", fields=["reason"], submit="Close the consultation",
                         consultation=consultation, warning=True)


@bp.route("/n/<slug>/consultations/<int:consultation_id>/publish", methods=["POST"])
@roles(FACILITATOR)
def publish(slug, consultation_id):
    consultation = _load(consultation_id)
    one_button(lambda: building.publish_results(consultation, current_user), "Results published.")
    return redirect(_manage_url(consultation))


# --- paper -----------------------------------------------------------------------------------------------

@bp.route("/n/<slug>/consultations/<int:consultation_id>/paper", methods=["GET", "POST"])
@roles(FACILITATOR)
def paper_page(slug, consultation_id):
    consultation = _load(consultation_id)
    form = PrintForm()
    done = attempt(form, lambda: paper.print_copies(consultation, current_user, form.copies.data),
                   lambda batch: f"Copies {batch.first_serial} to {batch.last_serial} are numbered: print them now.",
                   lambda batch: url_for("consultation_admin.print_copies", slug=slug, consultation_id=consultation.id,
                                         batch_id=batch.id))
    if done:
        return done
    return _paper_page(consultation, form, EmptyForm())


def _paper_page(consultation: Consultation, form, mark_form, code: int | None = None):
    batches = db.session.scalars(select(ConsultationPaperBatch).where(
        ConsultationPaperBatch.consultation_id == consultation.id).order_by(ConsultationPaperBatch.first_serial)).all()
    query = search_text(request.args.get("q"))
    found = []
    if query:
        found = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.neighbourhood_id == consultation.neighbourhood_id, Membership.role == RESIDENT,
            person_matches(query)).order_by(User.name).limit(20)).all()
    differences = paper.differences(consultation)
    words = {d.serial: {q.id: (answer_words(q, d.first.get(str(q.id))), answer_words(q, d.second.get(str(q.id))))
                        for q in d.questions} for d in differences}
    status = code or (400 if form.has_errors or mark_form.has_errors else 200)
    return render_template("consultations/paper.html", hood=g.neighbourhood, consultation=consultation, form=form,
                           mark_form=mark_form, batches=batches, query=query, found=found, differences=differences,
                           words=words, waiting=paper.waiting_for_check(consultation),
                           figures=paper.paper_figures(consultation)), status


@bp.route("/n/<slug>/consultations/<int:consultation_id>/paper/mark", methods=["POST"])
@roles(FACILITATOR)
def mark_on_paper(slug, consultation_id):
    consultation = _load(consultation_id)
    mark_form = EmptyForm()
    if mark_form.validate_on_submit():
        try:
            resident = resident_of(consultation.neighbourhood_id, whole_number(request.form.get("resident")))
            if resident is None:
                raise ServiceError("Choose the resident", field="resident")
            paper.mark_answered_on_paper(consultation, current_user, resident)
        except ServiceError as error:
            mark_form.fail(error)
        else:
            flash(f"{resident.name} is marked as answering on paper: they cannot also answer online.", "success")
            return redirect(url_for("consultation_admin.paper_page", slug=slug, consultation_id=consultation.id))
    return _paper_page(consultation, PrintForm(formdata=None), mark_form, 400)


@bp.route("/n/<slug>/consultations/<int:consultation_id>/paper/<int:batch_id>/print")
@roles(FACILITATOR)
def print_copies(slug, consultation_id, batch_id):
    consultation = _load(consultation_id)
    batch = db.session.get(ConsultationPaperBatch, batch_id)
    if batch is None or batch.consultation_id != consultation.id:
        abort(404)
    return render_template("consultations/print.html", hood=g.neighbourhood, consultation=consultation, batch=batch,
                           Kind=QuestionKind, PREFER_NOT=PREFER_NOT)


@bp.route("/n/<slug>/consultations/<int:consultation_id>/paper/key", methods=["GET", "POST"])
@roles(FACILITATOR)
def key_copy(slug, consultation_id):
    consultation = _load(consultation_id)
    form = EmptyForm()
    errors = {}
    serial_text = request.form.get("serial", "")
    if request.method == "POST":
        if not form.validate_on_submit():
            errors["serial"] = "This page had expired. Please key the copy again"
        else:
            try:
                serial = whole_number(serial_text)
                outcome = paper.key_copy(consultation, current_user, serial, request.form)
            except ServiceError as error:
                errors[error.field or "serial"] = error.message
            else:
                flash({"counted": f"Copy {serial} is counted.",
                       "waiting for the check": f"Copy {serial} is keyed. It was chosen for the check: a different "
                                                "facilitator keys it again.",
                       "matched": f"Copy {serial} matches the first keying: it is counted.",
                       "differs": f"Copy {serial} does not match the first keying: it is listed for a decision."}[outcome],
                      "error" if outcome == "differs" else "success")
                return redirect(url_for("consultation_admin.key_copy", slug=slug, consultation_id=consultation.id))
    return render_template("consultations/key.html", hood=g.neighbourhood, consultation=consultation, form=form,
                           errors=errors, given=request.form if errors else None, serial=serial_text,
                           Kind=QuestionKind, PREFER_NOT=PREFER_NOT), 400 if errors else 200


@bp.route("/n/<slug>/consultations/<int:consultation_id>/paper/<int:serial>/decide", methods=["POST"])
@roles(FACILITATOR)
def decide(slug, consultation_id, serial):
    consultation = _load(consultation_id)
    one_button(lambda: paper.decide_copy(consultation, current_user, serial, request.form.get("choice")),
               f"Copy {serial} is counted as decided.")
    return redirect(url_for("consultation_admin.paper_page", slug=slug, consultation_id=consultation.id))


# --- written answers -------------------------------------------------------------------------------------

def _text(consultation: Consultation, text_id: int) -> ConsultationText:
    text = db.session.get(ConsultationText, text_id)
    if text is None or text.consultation_id != consultation.id:
        abort(404)
    return text


@bp.route("/n/<slug>/consultations/<int:consultation_id>/written-answers")
@roles(FACILITATOR)
def written_answers(slug, consultation_id):
    consultation = _load(consultation_id)
    prompts = {q.id: f"{q.position}. {q.prompt}" for q in consultation.questions}
    return render_template("consultations/written_answers.html", hood=g.neighbourhood, consultation=consultation,
                           texts=moderation.waiting(consultation), prompts=prompts, form=EmptyForm())


@bp.route("/n/<slug>/consultations/<int:consultation_id>/written-answers/<int:text_id>/publish", methods=["POST"])
@roles(FACILITATOR)
def publish_text(slug, consultation_id, text_id):
    consultation = _load(consultation_id)
    text = _text(consultation, text_id)
    one_button(lambda: moderation.publish_text(text, current_user), "Published.")
    return redirect(url_for("consultation_admin.written_answers", slug=slug, consultation_id=consultation.id))


@bp.route("/n/<slug>/consultations/<int:consultation_id>/written-answers/<int:text_id>/withhold",
          methods=["GET", "POST"])
@roles(FACILITATOR)
def withhold_text(slug, consultation_id, text_id):
    consultation = _load(consultation_id)
    text = _text(consultation, text_id)
    form = WithholdForm()
    done = attempt(form, lambda: moderation.withhold_text(text, current_user, form.reason.data), "Withheld.",
                   url_for("consultation_admin.written_answers", slug=slug, consultation_id=consultation.id))
    return done or _page(form, heading="Withhold a written answer", fields=["reason"], submit="Withhold it",
                         consultation=consultation, intro=[f"‘{text.body}’"], warning=True)


@bp.route("/n/<slug>/consultations/<int:consultation_id>/written-answers/<int:text_id>/redact",
          methods=["GET", "POST"])
@roles(FACILITATOR)
def redact_text(slug, consultation_id, text_id):
    consultation = _load(consultation_id)
    text = _text(consultation, text_id)
    form = RedactForm()
    if request.method == "GET":
        form.shown.data = text.body
    done = attempt(form, lambda: moderation.redact_and_publish(text, current_user, form.shown.data, form.reason.data),
                   "Published with the personal details taken out.",
                   url_for("consultation_admin.written_answers", slug=slug, consultation_id=consultation.id))
    return done or _page(form, heading="Take out personal details", fields=["shown", "reason"],
                         submit="Publish without them", consultation=consultation,
                         intro=["Edit the words to take out names, addresses or anything that identifies someone, "
                                "then publish. The words as written are not kept."])


# --- the engagement log and the area profile -------------------------------------------------------------

@bp.route("/n/<slug>/engagement/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def record_activity(slug):
    form = ActivityForm()

    def call():
        upload = form.image.data
        raw = upload.read() if upload and getattr(upload, "filename", "") else None
        return engagement.record_activity(
            g.neighbourhood, current_user, kind=form.kind.data, held_on=form.held_on.data, place=form.place.data,
            people=form.people.data, by_age={band: getattr(form, f"age_{i}").data for i, band in enumerate(AGE_BANDS)},
            note=form.note.data or "", photo=raw, photo_alt=form.alt_text.data or "")

    done = attempt(form, call, "Activity recorded.", url_for("consultations.engagement_log", slug=slug))
    if done:
        return done
    return render_template("consultations/activity_form.html", hood=g.neighbourhood, form=form,
                           age_fields=AGE_FIELDS), 400 if form.has_errors else 200


@bp.route("/n/<slug>/area-profile", methods=["GET", "POST"])
@roles(FACILITATOR)
def area_profile(slug):
    form = ProfileForm()

    def call():
        upload = form.file.data
        text = form.csv.data or ""
        if upload and getattr(upload, "filename", ""):
            try:
                text = upload.read(2_000_000).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ServiceError("The file is not a CSV pb can read: save it as CSV (UTF-8)", field="file") from None
        return engagement.import_profile(g.neighbourhood, current_user, text=text, source=form.source.data,
                                         year=form.year.data)

    done = attempt(form, call, lambda profile: f"Area profile imported: {len(profile.groups)} figures.",
                   url_for("consultations.who_took_part", slug=slug))
    if done:
        return done
    current = engagement.profile_of(g.neighbourhood)
    return render_template("form_page.html", hood=g.neighbourhood, form=form, heading="Import the area profile",
                           fields=["source", "year", "csv", "file"], submit="Import",
                           back=url_for("consultations.who_took_part", slug=slug),
                           intro=[f"This replaces the profile from {current.source} ({current.year})." if current else
                                  "Who lives in the neighbourhood, from the census or the council's figures: what "
                                  "the people who take part are compared with. Every bad line is named and nothing "
                                  "is saved until all are right."]), 400 if form.has_errors else 200
