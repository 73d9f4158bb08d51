"""The number of voting seats in a board's terms of reference, for its vacancies.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('board_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seats', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('board_settings', schema=None) as batch_op:
        batch_op.drop_column('seats')

