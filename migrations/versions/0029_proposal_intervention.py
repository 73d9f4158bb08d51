"""A proposal may say which of the neighbourhood plan's interventions it serves.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intervention', sa.String(length=60), nullable=True))


def downgrade():
    op.execute("ALTER TABLE proposal DROP COLUMN intervention")
