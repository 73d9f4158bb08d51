"""Every status and phase column refuses a value it does not know (a CHECK constraint per column,
named ck_<table>_<column>_known, as pb.states.State.check names them).

The values are written out here, not read from the enums: a migration says what the database held
at this revision, whatever the code says later.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""
from alembic import op

from pb.funds.models import PAYMENT_SQLITE_TRIGGERS

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

PROPOSAL = ("draft", "submitted", "needs_changes", "feasible", "not_feasible", "withdrawn", "merged", "on_ballot",
            "not_shortlisted")
PHASES = ("setup", "proposals", "feasibility", "deliberation", "voting", "counting", "sign_off", "published", "delivery")
CHECKS = {  # table: {column: (values, nullable)}
    "proposal": {"status": (PROPOSAL, False)},
    "review": {"outcome": (("feasible", "needs_changes", "not_feasible", "cost_adjusted", "merged"), False)},
    "amendment": {"status": (("pending", "accepted", "declined"), False)},
    "round": {"phase": (PHASES, False)},
    "round_phase": {"phase": (PHASES, False)},
    "board_decision": {"kind": (("approve_rules", "change_rule"), False)},
    "count_result": {"status": (("provisional", "approved", "superseded"), False)},
    "paper_serial": {"status": (("keyed_once", "matched", "mismatch", "reconciled", "spoilt"), False)},
    "fund_grant": {"status": (("offered", "approved", "active", "suspended", "completed", "cancelled"), False)},
    "grant_decision": {"status": (("open", "made", "withdrawn"), False),
                       "kind": (("approve", "vary", "suspend", "resume", "cancel"), False)},
    "payment": {"status": (("awaiting_approval", "paid", "voided"), False), "kind": (("payment", "return"), False)},
    "grant_update": {"status": (("not_started", "on_track", "at_risk", "completed", "cancelled"), False)},
    "asset_decision": {"outcome": (("listed", "refused"), False)},
    "asset_bid": {"outcome": (("bought", "not_bought"), True)},
}
# SQLite adds a CHECK by rebuilding the table, which drops the table's triggers: these are put back.
REBUILT_TRIGGERS = ("payment_within_grant_insert", "payment_within_grant_update", "grant_amount_covers_payments")


def _condition(column, values, nullable):
    condition = f"{column} IN ({', '.join(repr(v) for v in values)})"
    return f"{column} IS NULL OR {condition}" if nullable else condition


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in REBUILT_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table, columns in CHECKS.items():
        if sqlite:
            with op.batch_alter_table(table, recreate="always") as batch_op:
                for column, (values, nullable) in columns.items():
                    batch_op.create_check_constraint(op.f(f"ck_{table}_{column}_known"), _condition(column, values, nullable))
        else:
            for column, (values, nullable) in columns.items():
                op.create_check_constraint(op.f(f"ck_{table}_{column}_known"), table, _condition(column, values, nullable))
    if sqlite:
        for statement in PAYMENT_SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in REBUILT_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table, columns in CHECKS.items():
        if sqlite:
            with op.batch_alter_table(table, recreate="always") as batch_op:
                for column in columns:
                    batch_op.drop_constraint(op.f(f"ck_{table}_{column}_known"), type_="check")
        else:
            for column in columns:
                op.drop_constraint(op.f(f"ck_{table}_{column}_known"), table, type_="check")
    if sqlite:
        for statement in PAYMENT_SQLITE_TRIGGERS:
            op.execute(statement)
