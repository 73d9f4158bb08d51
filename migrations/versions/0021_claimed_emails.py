"""Emails are claimed by one sender before they are sent, so two workers or app servers never send
one email twice.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("outbox_email", sa.Column("claimed_by", sa.String(length=32), nullable=True))
    op.add_column("outbox_email", sa.Column("claimed_until", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_email") as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
