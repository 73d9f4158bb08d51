"""Overdue milestones are emailed once: the day the group was told is kept on the milestone.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both engines (no table rebuild on SQLite).
    op.add_column("milestone", sa.Column("reminded_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("milestone") as batch_op:
        batch_op.drop_column("reminded_on")
