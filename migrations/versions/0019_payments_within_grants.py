"""The database refuses a payment that would take a grant past its amount, a return of more than
was paid, and a variation below what is paid (the triggers in pb.funds.models).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""
from alembic import op

from pb.funds.models import PAYMENT_POSTGRES_TRIGGERS, PAYMENT_SQLITE_TRIGGERS

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    statements = PAYMENT_SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else PAYMENT_POSTGRES_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("payment_within_grant_insert", "payment_within_grant_update", "grant_amount_covers_payments"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS payment_within_grant ON payment")
        op.execute("DROP TRIGGER IF EXISTS grant_amount_covers_payments ON fund_grant")
        op.execute("DROP FUNCTION IF EXISTS payment_within_grant()")
        op.execute("DROP FUNCTION IF EXISTS grant_amount_covers_payments()")
