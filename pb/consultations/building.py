"""Writing a consultation: its introduction and settings, its questions, the board's approval where
the neighbourhood asks for it, closing, and publishing the results.
Each state change checks its rules, writes, and appends one audit entry, in one transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pb import timeutil
from pb.accounts.models import User
from pb.counting.answers import digest
from pb.extensions import db
from pb.following import services as following
from pb.ledger.services import record
from pb.mail import email_link
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, Neighbourhood
from pb.neighbourhoods.services import require_role
from pb.services import ServiceError, transaction
from pb.text import required_text, text_digest

from .models import (
    AGE_BANDS,
    AGE_GROUP,
    Consultation,
    ConsultationKeying,
    ConsultationQuestion,
    ConsultationResponse,
    ConsultationStatus,
    ConsultationText,
    QuestionKind,
    TextStatus,
    WhoMayAnswer,
)
from .results import count, published_data, responses_digest

MAX_QUESTIONS = 40
MAX_OPTIONS = 20
OPTION_LIMIT = 120
# Open for at most a year: a longer "consultation" is a standing survey, which this is not.
LONGEST_DAYS = 366


def _facilitator(consultation_or_hood, user: User, doing: str) -> None:
    hood_id = getattr(consultation_or_hood, "neighbourhood_id", None) or consultation_or_hood.id
    require_role(user, hood_id, FACILITATOR, f"Only facilitators {doing}")


def _editable(consultation: Consultation) -> None:
    if consultation.status != ConsultationStatus.DRAFT:
        raise ServiceError("The questions can only change while the consultation is being written. "
                           "Take it back to being written first (its approval, if any, is withdrawn)")


def _check_settings(title, introduction, who_may_answer, opens_on, closes_on, second_keying_percent, *,
                    today: date, starting: bool) -> dict:
    title = required_text(title, field="title", label="Title", limit=160,
                          missing="Enter a title, like ‘What matters most to you in Eastbrook?’")
    introduction = (introduction or "").strip().replace("\r\n", "\n")
    if len(introduction) > 3000:
        raise ServiceError("The introduction must be 3,000 characters or fewer", field="introduction")
    if who_may_answer not in WhoMayAnswer.labels():
        raise ServiceError("Choose who may answer", field="who_may_answer")
    if opens_on is None:
        raise ServiceError("Enter the day the consultation opens", field="opens_on")
    if closes_on is None:
        raise ServiceError("Enter the last day answers are taken", field="closes_on")
    if starting and opens_on < today:
        raise ServiceError("The opening day cannot be in the past", field="opens_on")
    if closes_on < opens_on:
        raise ServiceError("The last day must be the same as or after the opening day", field="closes_on")
    if (closes_on - opens_on).days > LONGEST_DAYS:
        raise ServiceError("A consultation can be open for a year at most", field="closes_on")
    if second_keying_percent is None or not 0 <= second_keying_percent <= 100:
        raise ServiceError("Enter a share from 0 to 100", field="second_keying_percent")
    return {"title": title, "introduction": introduction, "who_may_answer": who_may_answer, "opens_on": opens_on,
            "closes_on": closes_on, "second_keying_percent": second_keying_percent}


def _payload(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if key == "introduction":
            out["introduction_sha256"] = text_digest(value)
        else:
            out[key] = value.isoformat() if isinstance(value, date) else value
    return out


def create_consultation(hood: Neighbourhood, facilitator: User, *, title: str, introduction: str = "",
                        who_may_answer: str = WhoMayAnswer.VERIFIED, opens_on: date | None, closes_on: date | None,
                        second_keying_percent: int | None = 10) -> Consultation:
    _facilitator(hood, facilitator, "start consultations")
    values = _check_settings(title, introduction, who_may_answer, opens_on, closes_on, second_keying_percent,
                             today=timeutil.today(), starting=True)
    with transaction():
        consultation = Consultation(neighbourhood_id=hood.id, created_by_id=facilitator.id, **values)
        db.session.add(consultation)
        db.session.flush()
        record("consultation.created", consultation, actor=facilitator, neighbourhood=hood, payload=_payload(values))
    return consultation


def update_settings(consultation: Consultation, facilitator: User, **changes) -> dict:
    """Change the title, introduction, who may answer, the dates or the paper check. While it is being
    written anything may change; once approved, only the closing day (to extend or shorten it)."""
    _facilitator(consultation, facilitator, "change consultations")
    if consultation.status in (ConsultationStatus.CLOSED, ConsultationStatus.PUBLISHED):
        raise ServiceError("This consultation has closed, so its settings cannot change")
    current = {name: getattr(consultation, name) for name in
               ("title", "introduction", "who_may_answer", "opens_on", "closes_on", "second_keying_percent")}
    today = timeutil.today()
    values = _check_settings(**(current | changes), today=today,
                             starting=consultation.status == ConsultationStatus.DRAFT and "opens_on" in changes
                             and changes["opens_on"] != current["opens_on"])
    changed = {k: v for k, v in values.items() if v != current[k]}
    if consultation.status != ConsultationStatus.DRAFT:
        fixed = sorted(set(changed) - {"closes_on", "second_keying_percent"})
        if fixed:
            raise ServiceError("Once approved, only the last day and the paper check can change. Take the "
                               "consultation back to being written to change the rest", field=fixed[0])
        if "closes_on" in changed and changed["closes_on"] < today:
            raise ServiceError("The last day cannot be before today", field="closes_on")
    if not changed:
        return {}
    with transaction():
        for name, value in changed.items():
            setattr(consultation, name, value)
        record("consultation.changed", consultation, actor=facilitator, neighbourhood=consultation.neighbourhood,
               payload=_payload(changed))
    return changed


# --- questions ---------------------------------------------------------------------------------------

def _clean_options(kind: str, raw) -> list[str]:
    if isinstance(raw, str):
        raw = raw.replace("\r\n", "\n").split("\n")
    options = [" ".join(o.split()) for o in (raw or []) if o and o.strip()]
    if kind in (QuestionKind.SCALE, QuestionKind.TEXT):
        return []
    if len(options) < 2:
        raise ServiceError("Enter at least two choices, one per line", field="options")
    if len(options) > MAX_OPTIONS:
        raise ServiceError(f"A question can have at most {MAX_OPTIONS} choices", field="options")
    long = next((o for o in options if len(o) > OPTION_LIMIT), None)
    if long:
        raise ServiceError(f"Each choice must be {OPTION_LIMIT} characters or fewer: ‘{long[:30]}…’ is longer",
                           field="options")
    seen = set()
    for option in options:
        if option.lower() in seen:
            raise ServiceError(f"‘{option}’ is there twice. Each choice must be different", field="options")
        seen.add(option.lower())
        if option.lower() == "prefer not to say":
            raise ServiceError("Leave out ‘Prefer not to say’: every ‘about you’ question offers it already",
                               field="options")
    return options


def _check_question(kind, prompt, hint, options, max_choices, required, about_group) -> dict:
    if kind not in QuestionKind.labels():
        raise ServiceError("Choose what kind of question this is", field="kind")
    prompt = required_text(prompt, field="prompt", label="Question", limit=300, missing="Enter the question")
    hint = (hint or "").strip()
    if len(hint) > 500:
        raise ServiceError("The hint must be 500 characters or fewer", field="hint")
    about_group = " ".join((about_group or "").split()) or None
    if kind == QuestionKind.ABOUT:
        required = False  # always optional, with "Prefer not to say"
        if about_group is None:
            raise ServiceError("Say what this question asks about, like ‘age’ or ‘ethnic group’", field="about_group")
        if len(about_group) > 60:
            raise ServiceError("What it asks about must be 60 characters or fewer", field="about_group")
        about_group = about_group.lower()
        if about_group == AGE_GROUP:
            options = list(AGE_BANDS)
    else:
        about_group = None
    options = _clean_options(kind, options)
    if kind == QuestionKind.SEVERAL:
        if max_choices is None:
            max_choices = len(options)
        if not 1 <= max_choices <= len(options):
            raise ServiceError(f"The most choices must be between 1 and {len(options)}", field="max_choices")
    else:
        max_choices = None
    return {"kind": kind, "prompt": prompt, "hint": hint, "options": options, "max_choices": max_choices,
            "required": bool(required), "about_group": about_group}


def add_question(consultation: Consultation, facilitator: User, *, kind: str, prompt: str, hint: str = "",
                 options=None, max_choices: int | None = None, required: bool = False,
                 about_group: str | None = None) -> ConsultationQuestion:
    _facilitator(consultation, facilitator, "write consultation questions")
    _editable(consultation)
    if len(consultation.questions) >= MAX_QUESTIONS:
        raise ServiceError(f"A consultation can have at most {MAX_QUESTIONS} questions")
    values = _check_question(kind, prompt, hint, options, max_choices, required, about_group)
    if values["about_group"] and any(q.about_group == values["about_group"] for q in consultation.questions):
        raise ServiceError(f"There is already a question about {values['about_group']}", field="about_group")
    with transaction():
        question = ConsultationQuestion(consultation_id=consultation.id, position=len(consultation.questions) + 1,
                                        **values)
        db.session.add(question)
        db.session.flush()
        db.session.refresh(consultation)
        record("consultation.question_added", consultation, actor=facilitator,
               neighbourhood=consultation.neighbourhood, payload={"question": question.id, **values})
    return question


def update_question(question: ConsultationQuestion, facilitator: User, **changes) -> ConsultationQuestion:
    consultation = db.session.get(Consultation, question.consultation_id)
    _facilitator(consultation, facilitator, "write consultation questions")
    _editable(consultation)
    current = {"kind": question.kind, "prompt": question.prompt, "hint": question.hint, "options": question.options,
               "max_choices": question.max_choices, "required": question.required, "about_group": question.about_group}
    values = _check_question(**(current | changes))
    if values["about_group"] and any(q.about_group == values["about_group"] and q.id != question.id
                                     for q in consultation.questions):
        raise ServiceError(f"There is already a question about {values['about_group']}", field="about_group")
    with transaction():
        for name, value in values.items():
            setattr(question, name, value)
        record("consultation.question_changed", consultation, actor=facilitator,
               neighbourhood=consultation.neighbourhood, payload={"question": question.id, **values})
    return question


def remove_question(question: ConsultationQuestion, facilitator: User) -> None:
    consultation = db.session.get(Consultation, question.consultation_id)
    _facilitator(consultation, facilitator, "write consultation questions")
    _editable(consultation)
    with transaction():
        removed = question.id
        db.session.delete(question)
        db.session.flush()
        db.session.refresh(consultation)
        for position, other in enumerate(consultation.questions, start=1):
            other.position = position
        record("consultation.question_removed", consultation, actor=facilitator,
               neighbourhood=consultation.neighbourhood, payload={"question": removed})


def move_question(question: ConsultationQuestion, facilitator: User, direction: str) -> None:
    """Up or down one place: buttons, not dragging, so it works without JavaScript and by keyboard."""
    consultation = db.session.get(Consultation, question.consultation_id)
    _facilitator(consultation, facilitator, "write consultation questions")
    _editable(consultation)
    questions = list(consultation.questions)
    index = questions.index(question)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(questions):
        raise ServiceError("That question cannot move further that way")
    with transaction():
        questions[index], questions[other] = questions[other], questions[index]
        for position, q in enumerate(questions, start=1):
            q.position = position
        record("consultation.question_moved", consultation, actor=facilitator,
               neighbourhood=consultation.neighbourhood, payload={"question": question.id, "to": other + 1})


# --- approval, opening and closing --------------------------------------------------------------------

def ready_problems(consultation: Consultation) -> list[str]:
    """What stops this consultation being approved (empty when nothing does)."""
    problems = []
    if not consultation.questions:
        problems.append("Add at least one question")
    if consultation.closes_on is not None and consultation.closes_on < timeutil.today():
        problems.append("The last day has passed: choose new dates")
    return problems


def finish_writing(consultation: Consultation, facilitator: User) -> str:
    """The questions are written: the consultation waits for the board where the neighbourhood asks
    for it; otherwise it is ready, and opens on its opening day."""
    _facilitator(consultation, facilitator, "finish writing consultations")
    _editable(consultation)
    problems = ready_problems(consultation)
    if problems:
        raise ServiceError("It is not ready yet: " + "; ".join(problems))
    hood = consultation.neighbourhood
    to = (ConsultationStatus.AWAITING_APPROVAL if hood.consultations_need_board_approval
          else ConsultationStatus.APPROVED)
    with transaction():
        consultation.status = to
        record("consultation.written", consultation, actor=facilitator, neighbourhood=hood,
               payload={"status": to, "questions": len(consultation.questions)})
    return to


def approve(consultation: Consultation, member: User, *, decided_on: date | None) -> None:
    require_role(member, consultation.neighbourhood_id, BOARD_MEMBER, "Only board members approve consultations")
    if consultation.status != ConsultationStatus.AWAITING_APPROVAL:
        raise ServiceError("This consultation is not waiting for the board's approval")
    if decided_on is None or decided_on > timeutil.today():
        raise ServiceError("Enter the date the board decided, today or earlier", field="decided_on")
    problems = ready_problems(consultation)
    if problems:
        raise ServiceError("It cannot be approved yet: " + "; ".join(problems))
    with transaction():
        consultation.status = ConsultationStatus.APPROVED
        consultation.approved_by_id, consultation.approved_on = member.id, decided_on
        record("consultation.approved", consultation, actor=member, neighbourhood=consultation.neighbourhood,
               payload={"decided_on": decided_on.isoformat(),
                        "questions": [q.id for q in consultation.questions]})


def back_to_writing(consultation: Consultation, facilitator: User) -> None:
    """Change the questions again: only before anyone has answered, and any approval is withdrawn."""
    from_answers = answered_count(consultation)
    _facilitator(consultation, facilitator, "change consultations")
    if consultation.status not in (ConsultationStatus.AWAITING_APPROVAL, ConsultationStatus.APPROVED):
        raise ServiceError("Only a consultation waiting for approval or ready to open can go back to being written")
    if from_answers:
        who = "1 person has" if from_answers == 1 else f"{from_answers:,} people have"
        raise ServiceError(f"{who} answered already, so the questions cannot change")
    with transaction():
        consultation.status = ConsultationStatus.DRAFT
        consultation.approved_by_id = consultation.approved_on = None
        record("consultation.reopened_for_writing", consultation, actor=facilitator,
               neighbourhood=consultation.neighbourhood, payload={})


def answered_count(consultation: Consultation) -> int:
    return db.session.scalar(select(func.count()).select_from(ConsultationResponse).where(
        ConsultationResponse.consultation_id == consultation.id)) or 0


def close_early(consultation: Consultation, facilitator: User, *, reason: str) -> None:
    _facilitator(consultation, facilitator, "close consultations")
    if consultation.status != ConsultationStatus.APPROVED or consultation.has_closed(timeutil.today()):
        raise ServiceError("Only a consultation that is open or about to open can be closed")
    reason = required_text(reason, field="reason", label="Reason", limit=300,
                           missing="Say why it is closing early; residents will read it")
    with transaction():
        consultation.status = ConsultationStatus.CLOSED
        consultation.closed_at = timeutil.stamp()
        record("consultation.closed", consultation, actor=facilitator, neighbourhood=consultation.neighbourhood,
               payload={"early": True, "reason": reason})


def close_if_due(consultation: Consultation, today: date) -> bool:
    """The scheduled job: the day after its last day, a consultation closes."""
    if consultation.status != ConsultationStatus.APPROVED or today <= consultation.closes_on:
        return False
    with transaction():
        consultation.status = ConsultationStatus.CLOSED
        consultation.closed_at = timeutil.stamp()
        record("consultation.closed", consultation, actor=None, neighbourhood=consultation.neighbourhood,
               payload={"early": False, "last_day": consultation.closes_on.isoformat()})
    return True


def publish_problems(consultation: Consultation) -> list[str]:
    problems = []
    if not consultation.has_closed(timeutil.today()):
        problems.append("It is still open")
    waiting = db.session.scalar(select(func.count()).select_from(ConsultationText).where(
        ConsultationText.consultation_id == consultation.id, ConsultationText.status == TextStatus.WAITING))
    if waiting:
        problems.append(f"{waiting} written answer{'s' if waiting != 1 else ''} still wait{'' if waiting != 1 else 's'} "
                        "for a facilitator to publish or withhold")
    keyed = select(ConsultationKeying.serial).where(ConsultationKeying.consultation_id == consultation.id)
    counted = select(ConsultationResponse.serial).where(ConsultationResponse.consultation_id == consultation.id,
                                                        ConsultationResponse.serial.is_not(None))
    unsettled = db.session.scalar(select(func.count()).select_from(keyed.except_(counted).subquery()))
    if unsettled:
        problems.append(f"{unsettled} paper cop{'ies' if unsettled != 1 else 'y'} keyed in "
                        f"{'are' if unsettled != 1 else 'is'} waiting for the second keying or a decision")
    return problems


def publish_results(consultation: Consultation, facilitator: User) -> dict:
    _facilitator(consultation, facilitator, "publish consultation results")
    if consultation.status == ConsultationStatus.PUBLISHED:
        raise ServiceError("The results are already published")
    problems = publish_problems(consultation)
    if problems:
        raise ServiceError("The results cannot be published yet: " + "; ".join(problems))
    with transaction():
        data = published_data(consultation)
        figures = count(data)
        consultation.status = ConsultationStatus.PUBLISHED
        consultation.published_at = timeutil.stamp()
        consultation.results = figures
        # What an auditor checks the pack against: the responses as published, and the figures.
        record("consultation.results_published", consultation, actor=facilitator,
               neighbourhood=consultation.neighbourhood,
               payload={"responses": figures["responses"], "responses_sha256": responses_digest(data),
                        "results_sha256": figures_digest(figures)})
        following.tell("consultation", consultation, f"{consultation.title}: the results are published",
                       "consultation_results", consultation=consultation, hood=consultation.neighbourhood,
                       link=email_link("consultations.results_page", slug=consultation.neighbourhood.slug,
                                       consultation_id=consultation.id))
    return figures


def figures_digest(figures: dict) -> str:
    """Of the figures as JSON with sorted keys: the verifier recounts and compares."""
    return digest(figures)
