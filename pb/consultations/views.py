"""Consultations as residents meet them: the list, one consultation, answering one question per
page, checking and sending, the results and their downloads, following."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from pb import timeutil
from pb.access import one_of_this_neighbourhood, public, signed_in, viewer_roles
from pb.counting.answers import SMALLEST_GROUP
from pb.downloads import attachment, csv_attachment
from pb.following import services as following
from pb.forms import EmptyForm
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR
from pb.posting import one_button
from pb.ratelimits import ANSWERS, DOWNLOADS, on_get, on_post, person_or_address
from pb.services import ServiceError

from . import answering, engagement, representation, results
from .charts import comparison_chart, months_chart, question_chart, share
from .models import PREFER_NOT, Consultation, ConsultationStatus, EngagementActivity, QuestionKind
from .queries import listed, sent_figures

bp = Blueprint("consultations", __name__)

VISITOR = "pb_consultation_visitor"  # the session's random token for "anyone with the link"


def load(consultation_id: int) -> Consultation:
    """A consultation of this neighbourhood; one still being written only for its staff."""
    consultation = one_of_this_neighbourhood(Consultation, consultation_id)
    if consultation.status in (ConsultationStatus.DRAFT, ConsultationStatus.AWAITING_APPROVAL) and \
            not viewer_roles() & {FACILITATOR, BOARD_MEMBER}:
        abort(404)
    return consultation


def _key(consultation: Consultation, *, create: bool = False) -> str | None:
    """Whose draft and response these are: the signed-in person, or this browser (anyone with the link)."""
    if current_user.is_authenticated:
        return answering.owner_key(consultation, user=current_user)
    if VISITOR not in session:
        if not create:
            return None
        session[VISITOR] = answering.new_visitor_token()
    return answering.owner_key(consultation, visitor=session[VISITOR])


def _user():
    return current_user if current_user.is_authenticated else None


@bp.route("/n/<slug>/consultations/")
@public
def index(slug):
    today = timeutil.today()
    return render_template("consultations/index.html", hood=g.neighbourhood, today=today,
                           **listed(g.neighbourhood, today, staff=bool(viewer_roles() & {FACILITATOR, BOARD_MEMBER})))


@bp.route("/n/<slug>/consultations/<int:consultation_id>")
@public
def show(slug, consultation_id):
    consultation = load(consultation_id)
    key = _key(consultation)
    sent = answering.sent_response(consultation, key) if key else None
    return render_template("consultations/show.html", hood=g.neighbourhood, consultation=consultation,
                           today=timeutil.today(), why_not=answering.why_not_answer(consultation, _user()), sent=sent,
                           staff=bool(viewer_roles() & {FACILITATOR, BOARD_MEMBER}), form=EmptyForm(),
                           following=following.is_following("consultation", consultation, current_user),
                           figures=sent_figures(consultation))


def _question(consultation: Consultation, number: int):
    if not 1 <= number <= len(consultation.questions):
        abort(404)
    return consultation.questions[number - 1]


def _open_for(consultation: Consultation):
    problem = answering.why_not_answer(consultation, _user())
    if problem:
        flash(problem, "error")
        return redirect(url_for("consultations.show", slug=g.neighbourhood.slug, consultation_id=consultation.id))
    return None


@bp.route("/n/<slug>/consultations/<int:consultation_id>/questions/<int:number>", methods=["GET", "POST"])
@public
@on_post(ANSWERS, person_or_address)
def question(slug, consultation_id, number):
    consultation = load(consultation_id)
    refused = _open_for(consultation)
    if refused:
        return refused
    asked = _question(consultation, number)
    key = _key(consultation, create=True)
    answers = answering.draft_of(consultation, key)
    errors = {}
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            errors[answering.field_name(asked)] = "This page had expired. Please answer again"
        else:
            try:
                value = answering.parse_answer(asked, request.form)
                if value is None and asked.required:
                    raise ServiceError("Answer this question to go on", field=answering.field_name(asked))
                answers = answering.save_answer(consultation, _user(), key, asked, request.form)
            except ServiceError as error:
                errors[error.field or answering.field_name(asked)] = error.message
            else:
                if request.form.get("to") == "check" or number == len(consultation.questions):
                    return redirect(url_for("consultations.check", slug=slug, consultation_id=consultation.id))
                return redirect(url_for("consultations.question", slug=slug, consultation_id=consultation.id,
                                        number=number + 1))
    given = request.form if errors else None
    return render_template("consultations/question.html", hood=g.neighbourhood, consultation=consultation,
                           question=asked, number=number, answer=answers.get(str(asked.id)), given=given,
                           errors=errors, form=form, from_check=request.values.get("to") == "check",
                           PREFER_NOT=PREFER_NOT, Kind=QuestionKind), 400 if errors else 200


@bp.route("/n/<slug>/consultations/<int:consultation_id>/check", methods=["GET", "POST"])
@public
@on_post(ANSWERS, person_or_address)
def check(slug, consultation_id):
    consultation = load(consultation_id)
    refused = _open_for(consultation)
    if refused:
        return refused
    key = _key(consultation, create=True)
    answers = answering.draft_of(consultation, key)
    sent_before = answering.sent_response(consultation, key) is not None
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            answering.send(consultation, _user(), key)
        except ServiceError as error:
            form.fail(error)
        else:
            return redirect(url_for("consultations.thank_you", slug=slug, consultation_id=consultation.id,
                                    changed=int(sent_before)))
    rows = [(q, results.answer_words(q, answers.get(str(q.id)))) for q in consultation.questions]
    return render_template("consultations/check.html", hood=g.neighbourhood, consultation=consultation, rows=rows,
                           form=form, sent_before=sent_before, answered=bool(answers)), 400 if form.has_errors else 200


@bp.route("/n/<slug>/consultations/<int:consultation_id>/thank-you")
@public
def thank_you(slug, consultation_id):
    consultation = load(consultation_id)
    key = _key(consultation)
    if key is None or answering.sent_response(consultation, key) is None:
        return redirect(url_for("consultations.show", slug=slug, consultation_id=consultation.id))
    return render_template("consultations/thank_you.html", hood=g.neighbourhood, consultation=consultation,
                           changed=request.args.get("changed") == "1")


def _published(consultation_id: int) -> Consultation:
    consultation = load(consultation_id)
    if consultation.status != ConsultationStatus.PUBLISHED:
        abort(404)
    return consultation


@bp.route("/n/<slug>/consultations/<int:consultation_id>/results")
@public
def results_page(slug, consultation_id):
    consultation = load(consultation_id)
    if consultation.status != ConsultationStatus.PUBLISHED:
        return render_template("consultations/no_results.html", hood=g.neighbourhood, consultation=consultation,
                               today=timeutil.today())
    figures = consultation.results  # counted once, when published (the ledger holds their digest)
    texts = results.published_texts(consultation)
    charts = {q.id: question_chart(q, figures["questions"][str(q.id)]) for q in consultation.questions
              if q.kind != QuestionKind.TEXT}
    return render_template("consultations/results.html", hood=g.neighbourhood, consultation=consultation,
                           figures=figures, texts=texts, charts=charts, Kind=QuestionKind, share=share,
                           smallest=SMALLEST_GROUP)


@bp.route("/n/<slug>/consultations/<int:consultation_id>/responses.json")
@public
@on_get(DOWNLOADS)
def responses_json(slug, consultation_id):
    consultation = _published(consultation_id)
    data = results.published_data(consultation)
    return attachment(json.dumps(data, indent=1, ensure_ascii=False), f"{slug}-consultation-{consultation.id}-responses.json",
                      "application/json")


@bp.route("/n/<slug>/consultations/<int:consultation_id>/responses.csv")
@public
@on_get(DOWNLOADS)
def responses_csv(slug, consultation_id):
    consultation = _published(consultation_id)
    data = results.published_data(consultation)
    questions = consultation.questions
    header = ["response", "method"] + [f"Q{q.position} {q.prompt}" for q in questions]
    rows = [[r["id"], r["method"]] + [results.answer_words(q, r["answers"].get(str(q.id))) if q.kind != QuestionKind.TEXT
                                      else r["answers"].get(str(q.id), "") for q in questions]
            for r in data["responses"]]
    return csv_attachment([header, *rows], f"{slug}-consultation-{consultation.id}-responses.csv")


@bp.route("/n/<slug>/consultations/<int:consultation_id>/follow", methods=["POST"])
@signed_in
def follow(slug, consultation_id):
    consultation = load(consultation_id)
    if request.form.get("stop"):
        one_button(lambda: following.unfollow("consultation", consultation, current_user),
                   "You will no longer get emails about this consultation.")
    else:
        one_button(lambda: following.follow("consultation", consultation, current_user),
                   f"We will email you at {current_user.email} three days before it closes, and when the results "
                   "are published.")
    return redirect(url_for("consultations.show", slug=slug, consultation_id=consultation.id))


# --- listening beyond questionnaires ---------------------------------------------------------------------

@bp.route("/n/<slug>/engagement")
@public
def engagement_log(slug):
    rows = engagement.activities(g.neighbourhood)
    totals = engagement.totals(rows)
    return render_template("consultations/engagement.html", hood=g.neighbourhood, rows=rows, totals=totals,
                           chart=months_chart(totals["months"]) if totals["months"] else None,
                           staff=FACILITATOR in viewer_roles())


@bp.route("/n/<slug>/engagement/<int:activity_id>/photo")
@public
def engagement_photo(slug, activity_id):
    activity = one_of_this_neighbourhood(EngagementActivity, activity_id)
    if activity.photo is None:
        abort(404)
    response = Response(activity.photo, mimetype=activity.photo_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/n/<slug>/who-took-part")
@public
def who_took_part(slug):
    hood = g.neighbourhood
    choices = representation.consultations_to_compare(hood)
    chosen_id = request.args.get("consultation", type=int)
    chosen = next((c for c in choices if c.id == chosen_id), choices[0] if choices else None)
    comparisons = representation.compare(hood, chosen)
    return render_template("consultations/who_took_part.html", hood=hood, profile=engagement.profile_of(hood),
                           comparisons=comparisons, choices=choices, chosen=chosen,
                           charts={c.grouping: comparison_chart(c) for c in comparisons},
                           gap=representation.GAP_POINTS, staff=FACILITATOR in viewer_roles())
