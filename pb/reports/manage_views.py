"""Running the agreement and the bank: facilitators record the agreement and its variations, the
accountable body's officer asks for drawdowns, the funder's representative decides them, treasurers
record money arriving and leaving and reconcile the bank statement. Each view parses, calls one
service and renders."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from pb.access import roles, signed_in
from pb.boards.models import Meeting
from pb.extensions import db
from pb.forms import EmptyForm, choices
from pb.funds.figures import financial_year_of, year_end, year_start
from pb.funds.queries import load_fund
from pb.money import pounds
from pb.neighbourhoods.models import BOARD_MEMBER, FACILITATOR, TREASURER
from pb.posting import attempt, one_button
from pb.ratelimits import UPLOADS, on_post, person_or_address
from pb.services import ServiceError

from . import agreements as services
from . import annual, pdf, reconciling, returnfigures, returns
from .bankfile import StatementError, mapping_from
from .figures import agreement_figures
from .forms import (
    AgreementForm,
    ApproveReportForm,
    DecideForm,
    DrawdownForm,
    ForewordForm,
    MatchForm,
    ReceivedForm,
    RepaymentForm,
    RiskForm,
    StatementForm,
    VaryForm,
    return_form,
)
from .ledgerside import movements
from .models import AnnualReport
from .queries import load_agreement, load_drawdown, load_line, load_return, load_risk, year_of

bp = Blueprint("reports_admin", __name__)


def _page(form, *, heading, fields, submit, back=None, intro=None, caption=None):
    return render_template("form_page.html", hood=g.neighbourhood, form=form, heading=heading, fields=fields,
                           submit=submit, back=back, intro=intro, caption=caption), 400 if form.has_errors else 200


def _agreement_page(agreement) -> str:
    return url_for("reports.agreement", slug=g.neighbourhood.slug, agreement_id=agreement.id)


@bp.route("/n/<slug>/agreements/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def new_agreement(slug):
    hood = g.neighbourhood
    taken = {a.source_id for a in services.agreements_of(hood)}
    sources = [s for s in services.sources_of(hood) if s.id not in taken]
    form = AgreementForm()
    form.source_id.choices = choices([("", "Choose a source"), *((str(s.id), f"{s.name} ({s.fund.name})") for s in sources)])

    def source():
        return next((s for s in sources if str(s.id) == form.source_id.data), None)

    done = attempt(form, lambda: services.set_up(
        hood, current_user, source=source(), funder_name=form.funder_name.data, body_name=form.body_name.data,
        body_kind=form.body_kind.data, amount=form.amount.data, fee=form.fee.data, conditions=form.conditions.data,
        signed_on=form.signed_on.data, body_contact_email=form.body_contact_email.data,
        funder_contact_email=form.funder_contact_email.data, schedule=form.schedule.data),
        lambda a: f"Agreement {a.reference} with {a.funder_name} is recorded.", _agreement_page)
    intro = None if sources else ["Every source of every fund already has an agreement, or there is no fund yet: "
                                  "add the funder as a source of the fund first."]
    return done or _page(form, heading="Record a funding agreement", submit="Record the agreement", intro=intro,
                         fields=("source_id", "funder_name", "body_name", "body_kind", "amount", "fee", "signed_on",
                                 "body_contact_email", "funder_contact_email", "schedule", "conditions"),
                         back=url_for("reports.agreements", slug=slug))


@bp.route("/n/<slug>/agreements/<int:agreement_id>/vary", methods=["GET", "POST"])
@roles(FACILITATOR)
def vary(slug, agreement_id):
    agreement = load_agreement(agreement_id)
    form = VaryForm(data={"amount": agreement.amount, "fee": agreement.fee_percent.rstrip("%"),
                          "schedule": services.schedule_text(agreement), "conditions": agreement.conditions,
                          "body_contact_email": agreement.body_contact.email,
                          "funder_contact_email": agreement.funder_contact.email})
    done = attempt(form, lambda: services.vary(agreement, current_user, amount=form.amount.data, fee=form.fee.data,
                                               conditions=form.conditions.data, schedule=form.schedule.data,
                                               reason=form.reason.data, body_contact_email=form.body_contact_email.data,
                                               funder_contact_email=form.funder_contact_email.data),
                   lambda a: f"Version {a.version} of the agreement is recorded.", _agreement_page(agreement))
    return done or _page(form, heading="Record a variation", caption=f"{agreement.reference} with {agreement.funder_name}",
                         submit="Record the new version",
                         fields=("amount", "fee", "schedule", "conditions", "body_contact_email", "funder_contact_email", "reason"),
                         back=_agreement_page(agreement))


@bp.route("/n/<slug>/agreements/<int:agreement_id>/drawdowns/new", methods=["GET", "POST"])
@signed_in
def request_drawdown(slug, agreement_id):
    agreement = load_agreement(agreement_id)
    if current_user.id != agreement.body_contact_id:
        abort(403)  # only the accountable body's named officer asks for money
    figures = agreement_figures(agreement)
    names = services.interventions_for(g.neighbourhood)
    form = DrawdownForm()
    form.schedule_line_id.choices = choices([("", "Choose a line"), *(
        (str(f.line.id), f"{f.line.financial_year}, {names.get(f.line.intervention, f.line.intervention) or 'whole plan'}: "
                         f"{pounds(f.left)} left of {pounds(f.line.amount)}") for f in figures.lines)])
    line = next((f.line for f in figures.lines if str(f.line.id) == form.schedule_line_id.data), None)
    done = attempt(form, lambda: services.request_drawdown(agreement, current_user, line=line, amount=form.amount.data,
                                                           covers=form.covers.data),
                   lambda d: f"Drawdown {d.reference} for {pounds(d.amount)} is sent to {agreement.funder_name}.",
                   _agreement_page(agreement))
    return done or _page(form, heading="Ask for a drawdown", caption=f"{agreement.reference} with {agreement.funder_name}",
                         submit="Send the request", fields=("schedule_line_id", "amount", "covers"),
                         back=_agreement_page(agreement),
                         intro=[f"{agreement.body_name} keeps a fee of {agreement.fee_percent} of each drawdown."]
                         if agreement.fee_basis_points else None)


@bp.route("/n/<slug>/drawdowns/<int:drawdown_id>/decide", methods=["GET", "POST"])
@signed_in
def decide(slug, drawdown_id):
    drawdown = load_drawdown(drawdown_id)
    agreement = drawdown.agreement
    if current_user.id != agreement.funder_contact_id:
        abort(403)  # only the funder's named representative decides
    form = DecideForm()
    done = attempt(form, lambda: services.decide_drawdown(drawdown, current_user, approve=form.decision.data == "approve",
                                                          reason=form.reason.data),
                   lambda d: f"{d.reference} is {d.status_label.lower()}.", _agreement_page(agreement))
    return done or _page(form, heading=f"Decide on drawdown {drawdown.reference}", caption=agreement.reference,
                         submit="Record the decision", fields=("decision", "reason"), back=_agreement_page(agreement),
                         intro=[f"{agreement.body_name} asks for {pounds(drawdown.amount)} for: {drawdown.covers}"])


@bp.route("/n/<slug>/drawdowns/<int:drawdown_id>/received", methods=["GET", "POST"])
@roles(TREASURER)
def received(slug, drawdown_id):
    drawdown = load_drawdown(drawdown_id)
    form = ReceivedForm()
    done = attempt(form, lambda: services.receive_drawdown(drawdown, current_user, received_on=form.received_on.data,
                                                           reference=form.reference.data),
                   lambda d: f"{pounds(d.amount)} received for {d.reference}.", _agreement_page(drawdown.agreement))
    return done or _page(form, heading=f"Record the money for {drawdown.reference}", caption=drawdown.agreement.reference,
                         submit="Record it", fields=("received_on", "reference"), back=_agreement_page(drawdown.agreement),
                         intro=[f"{pounds(drawdown.amount)}, approved by {drawdown.agreement.funder_name}."])


@bp.route("/n/<slug>/agreements/<int:agreement_id>/repayments/new", methods=["GET", "POST"])
@roles(TREASURER)
def repayment(slug, agreement_id):
    agreement = load_agreement(agreement_id)
    form = RepaymentForm()
    done = attempt(form, lambda: services.record_repayment(agreement, current_user, amount=form.amount.data,
                                                           returned_on=form.returned_on.data, reference=form.reference.data),
                   lambda r: f"{pounds(r.amount)} paid back to {agreement.funder_name} is recorded.",
                   _agreement_page(agreement))
    return done or _page(form, heading="Record unspent money paid back to the funder", caption=agreement.reference,
                         submit="Record it", fields=("amount", "returned_on", "reference"), back=_agreement_page(agreement),
                         intro=[f"Its share of {agreement.body_name}'s fee ({agreement.fee_percent}) is shown as returned too."]
                         if agreement.fee_basis_points else None)


# --- the bank ------------------------------------------------------------------------------------------------

@bp.route("/n/<slug>/funds/<int:fund_id>/bank", methods=["GET", "POST"])
@roles(TREASURER)
@on_post(UPLOADS, person_or_address)
def bank(slug, fund_id):
    fund = load_fund(fund_id)
    form = StatementForm()
    if form.validate_on_submit():
        upload = request.files.get("file")
        try:
            mapping = mapping_from(form.date_column.data, form.description_column.data, form.amount_column.data,
                                   form.paid_out_column.data, form.paid_in_column.data, form.balance_column.data)
            statement = reconciling.import_statement(fund, current_user, data=upload.read() if upload else b"",
                                                     filename=upload.filename if upload else "", mapping=mapping)
        except StatementError as error:
            form.fail(ServiceError(error.message, field="date_column"))
        except ServiceError as error:
            form.fail(error)
        else:
            flash(f"{statement.line_count} lines imported, from {statement.first_on:%-d %B %Y} to "
                  f"{statement.last_on:%-d %B %Y}. Check the suggested matches below.", "success")
            return redirect(url_for("reports_admin.reconcile", slug=slug, fund_id=fund.id,
                                    start=int(financial_year_of(statement.last_on)[:4])))
    years = [(y, reconciling.counts(fund.id, year_start(y), year_end(y))) for y in fund.financial_years]
    return render_template("reports/bank.html", hood=g.neighbourhood, fund=fund, form=form, years=years,
                           statements=reconciling.statements_of(fund)), 400 if form.has_errors else 200


@bp.route("/n/<slug>/funds/<int:fund_id>/bank/<int:start>", methods=["GET", "POST"])
@roles(TREASURER)
def reconcile(slug, fund_id, start):
    fund = load_fund(fund_id)
    year = year_of(fund, start)
    first, last = year_start(year), year_end(year)
    here = url_for("reports_admin.reconcile", slug=slug, fund_id=fund.id, start=start)
    form = EmptyForm()
    if request.method == "POST":
        if "suggest" in request.form:
            one_button(lambda: reconciling.suggest_again(fund, current_user),
                       lambda n: f"{n} more match{'es' if n != 1 else ''} suggested.")
            return redirect(here)
        ids = [int(v) for v in request.form.getlist("line_ids") if v.isascii() and v.isdigit() and len(v) < 10]
        one_button(lambda: reconciling.confirm_suggested(fund, current_user, line_ids=ids),
                   lambda n: f"{n} match{'es' if n != 1 else ''} confirmed.")
        return redirect(here)
    lines = reconciling.lines_between(fund.id, first, last)
    recorded = movements(fund.id, first - reconciling.MATCH_WINDOW, last + reconciling.MATCH_WINDOW)
    by_key = {m.key: m for m in recorded}
    matched = {(line.match_kind, line.match_id) for line in reconciling.matched_anywhere(fund.id)}
    unmatched = [m for m in recorded if first <= m.on <= last and m.key not in matched]
    return render_template("reports/reconcile.html", hood=g.neighbourhood, fund=fund, year=year, form=form,
                           lines=lines, by_key=by_key, unmatched=unmatched, describe=reconciling.describe,
                           counts=reconciling.counts(fund.id, first, last))


@bp.route("/n/<slug>/bank-lines/<int:line_id>/match", methods=["GET", "POST"])
@roles(TREASURER)
def match(slug, line_id):
    line = load_line(line_id)
    fund = load_fund(line.fund_id)
    found = reconciling.candidates(line)
    form = MatchForm()
    form.choice.choices = choices([*((f"{m.kind}:{m.id}", f"{m.says}, {m.on:%-d %B %Y}") for m in found),
                                   ("explained", "A bank item pb has no record of (say what below)"),
                                   ("clear", "Leave it unmatched for now")])
    back = url_for("reports_admin.reconcile", slug=slug, fund_id=fund.id, start=int(financial_year_of(line.booked_on)[:4]))
    done = attempt(form, lambda: reconciling.match_line(line, current_user, choice=form.choice.data, note=form.note.data),
                   "The line is updated.", back)
    sign = "in" if line.amount > 0 else "out"
    return done or _page(form, heading="What is this line?", caption=f"{fund.name}: bank statement",
                         submit="Save", fields=("choice", "note"), back=back,
                         intro=[f"{line.booked_on:%-d %B %Y}: {line.description or '(no description)'}, "
                                f"{pounds(abs(line.amount))} {sign}."] +
                               ([] if found else ["pb has no unmatched record of this amount near that day. If it is a "
                                                  "payment or receipt not yet recorded, record it first, then come back."]))



# --- monitoring returns and the risk register -----------------------------------------------------------------

def _return_page(return_) -> str:
    return url_for("reports.monitoring_return", slug=g.neighbourhood.slug, return_id=return_.id)


@bp.route("/n/<slug>/funds/<int:fund_id>/returns/start", methods=["POST"])
@roles(FACILITATOR)
def start_return(slug, fund_id):
    fund = load_fund(fund_id)
    back = url_for("reports.fund_returns", slug=slug, fund_id=fund.id)
    if not EmptyForm().validate_on_submit():
        return redirect(back)
    try:
        period_start = date.fromisoformat(request.form.get("period_start", ""))
    except ValueError:
        period_start = None
    try:
        return_ = returns.start_return(fund, current_user, kind=request.form.get("kind", ""), period_start=period_start)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(back)
    return redirect(url_for("reports_admin.write_return", slug=slug, return_id=return_.id))


@bp.route("/n/<slug>/returns/<int:return_id>/write", methods=["GET", "POST"])
@roles(FACILITATOR)
def write_return(slug, return_id):
    return_ = load_return(return_id)
    names = returnfigures.interventions(g.neighbourhood)
    data = {**(return_.narrative or {}), **{f"forecast_{key or 'untied'}": amount
                                            for key, amount in (return_.forecast or {}).items()}}
    form = return_form(returns.NARRATIVE, names)(data=data)
    keys = [*names, ""]
    done = attempt(form, lambda: returns.write(
        return_, current_user, narrative={key: form[key].data for key in returns.NARRATIVE},
        forecast={key: form[f"forecast_{key or 'untied'}"].data for key in keys}),
        "The return is saved.", _return_page(return_))
    required = ", ".join(f"‘{returns.NARRATIVE[k]}’" for k in returns.REQUIRED[return_.kind])
    return done or _page(form, heading=f"Write the {return_.kind_label.lower()}", caption=return_.period_label,
                         submit="Save the return", back=_return_page(return_),
                         fields=[*returns.NARRATIVE, *(f"forecast_{key or 'untied'}" for key in keys)],
                         intro=[f"pb works out the return's figures from what was recorded. Write its words here: the "
                                f"board approves it once {required} {'is' if len(returns.REQUIRED[return_.kind]) == 1 else 'are'} "
                                "written."])


def _return_action(return_id, call, success):
    return_ = load_return(return_id)
    one_button(lambda: call(return_, current_user), success)
    return redirect(_return_page(return_))


@bp.route("/n/<slug>/returns/<int:return_id>/approve-board", methods=["POST"])
@roles(BOARD_MEMBER)
def approve_return_board(slug, return_id):
    return _return_action(return_id, returns.approve_as_board, "You approved the return for the board.")


@bp.route("/n/<slug>/returns/<int:return_id>/approve-body", methods=["POST"])
@signed_in
def approve_return_body(slug, return_id):
    return_ = load_return(return_id)
    if current_user.id != returns.body_contact(return_.fund):
        abort(403)  # only the accountable body's named officer
    return _return_action(return_id, returns.approve_as_body, "You approved the return for the accountable body.")


@bp.route("/n/<slug>/returns/<int:return_id>/submit", methods=["POST"])
@roles(FACILITATOR)
def submit_return(slug, return_id):
    return _return_action(return_id, returns.submit, "The return is submitted and published.")


@bp.route("/n/<slug>/risks/new", methods=["GET", "POST"])
@roles(FACILITATOR)
def new_risk(slug):
    form = RiskForm()
    back = url_for("reports.risks", slug=slug)
    done = attempt(form, lambda: returns.add_risk(g.neighbourhood, current_user, risk=form.risk.data,
                                                  likelihood=form.likelihood.data, impact=form.impact.data,
                                                  mitigation=form.mitigation.data, owner=form.owner.data),
                   lambda r: f"Risk {r.number} is on the register.", back)
    return done or _page(form, heading="Add a risk", submit="Add it to the register", back=back,
                         fields=("risk", "likelihood", "impact", "mitigation", "owner"))


@bp.route("/n/<slug>/risks/<int:number>/edit", methods=["GET", "POST"])
@roles(FACILITATOR)
def edit_risk(slug, number):
    risk = load_risk(number)
    form = RiskForm(obj=risk, data={"closed": risk.closed_on is not None})
    back = url_for("reports.risks", slug=slug)
    done = attempt(form, lambda: returns.update_risk(risk, current_user, risk=form.risk.data,
                                                     likelihood=form.likelihood.data, impact=form.impact.data,
                                                     mitigation=form.mitigation.data, owner=form.owner.data,
                                                     closed=form.closed.data),
                   f"Risk {risk.number} is updated.", back)
    return done or _page(form, heading=f"Update risk {risk.number}", submit="Save the risk", back=back,
                         fields=("risk", "likelihood", "impact", "mitigation", "owner", "closed"))


# --- the annual report ------------------------------------------------------------------------------------------

def _report_page(fund, start) -> str:
    return url_for("reports.annual_report", slug=g.neighbourhood.slug, fund_id=fund.id, start=start)


def _existing_report(fund, year):
    return db.session.scalar(select(AnnualReport).where(AnnualReport.fund_id == fund.id,
                                                        AnnualReport.financial_year == year))


@bp.route("/n/<slug>/funds/<int:fund_id>/annual-reports/<int:start>/draft", methods=["GET", "POST"])
@roles(FACILITATOR)
def draft_report(slug, fund_id, start):
    fund = load_fund(fund_id)
    year = year_of(fund, start)
    report = _existing_report(fund, year)
    form = ForewordForm(data={"foreword": report.foreword if report else ""})
    done = attempt(form, lambda: annual.draft(fund, current_user, financial_year=year, foreword=form.foreword.data),
                   f"The {year} report is saved.", _report_page(fund, start))
    return done or _page(form, heading=f"The annual report for {year}", caption=fund.name, submit="Save the report",
                         fields=("foreword",), back=url_for("reports.annual_reports", slug=slug, fund_id=fund.id),
                         intro=["pb puts the rest together from what was recorded: the plan, the year's money, projects "
                                "delivered, who took part, the board and the accounts."])


@bp.route("/n/<slug>/funds/<int:fund_id>/annual-reports/<int:start>/approve", methods=["GET", "POST"])
@roles(FACILITATOR)
def approve_report(slug, fund_id, start):
    fund = load_fund(fund_id)
    year = year_of(fund, start)
    report = _existing_report(fund, year)
    if report is None:
        return _page(ApproveReportForm(), heading=f"Record the board's approval of the {year} report", caption=fund.name,
                     submit=None, fields=(), back=_report_page(fund, start),
                     intro=["There is no report for this year yet: write its foreword first."])
    meetings = db.session.scalars(select(Meeting).where(Meeting.neighbourhood_id == g.neighbourhood.id)
                                  .order_by(Meeting.starts_at.desc())).all()
    form = ApproveReportForm()
    form.meeting_id.choices = choices([("", "Choose the meeting"), *(
        (str(m.id), f"{m.title}, {m.starts_at:%-d %B %Y}" + (" (the annual meeting)" if m.annual else ""))
        for m in meetings)])
    meeting = next((m for m in meetings if str(m.id) == form.meeting_id.data), None)
    done = attempt(form, lambda: annual.approve(report, current_user, meeting=meeting),
                   "The board's approval is recorded. Publish the report when it is ready.", _report_page(fund, start))
    return done or _page(form, heading=f"Record the board's approval of the {year} report", caption=fund.name,
                         submit="Record the approval", fields=("meeting_id",), back=_report_page(fund, start))


@bp.route("/n/<slug>/funds/<int:fund_id>/annual-reports/<int:start>/publish", methods=["POST"])
@roles(FACILITATOR)
def publish_report(slug, fund_id, start):
    fund = load_fund(fund_id)
    year = year_of(fund, start)
    report = _existing_report(fund, year)
    if report is None:
        return redirect(url_for("reports.annual_reports", slug=slug, fund_id=fund.id))
    if pdf.UNAVAILABLE:
        flash(pdf.UNAVAILABLE, "error")
        return redirect(_report_page(fund, start))
    made = pdf.annual_report_pdf(g.neighbourhood, fund, year, report, report.contents or annual.contents(fund, year),
                                 request.url_root)
    one_button(lambda: annual.publish(report, current_user, pdf=made), f"The {year} report is published.")
    return redirect(_report_page(fund, start))
