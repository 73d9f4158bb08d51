"""A grant's contact may be invited by email before they have a pb account: the address is kept on
the grant until someone confirms it as theirs, then cleared.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("fund_grant", sa.Column("contact_invited_email", sa.String(length=254), nullable=True))
    op.create_index("ix_fund_grant_contact_invited_email", "fund_grant", ["contact_invited_email"])


def downgrade():
    op.drop_index("ix_fund_grant_contact_invited_email", table_name="fund_grant")
    with op.batch_alter_table("fund_grant") as batch_op:
        batch_op.drop_column("contact_invited_email")
