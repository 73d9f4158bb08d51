"""A fund's books closed by the treasurer (the day and who), and the progress update an output
report came with.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fund', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_fund_closed_by_id_user_account'), 'user_account', ['closed_by_id'], ['id'])

    with op.batch_alter_table('output_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grant_update_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_output_report_grant_update_id'), ['grant_update_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_output_report_grant_update_id_grant_update'), 'grant_update', ['grant_update_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('output_report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_output_report_grant_update_id_grant_update'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_output_report_grant_update_id'))
        batch_op.drop_column('grant_update_id')

    with op.batch_alter_table('fund', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_fund_closed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('closed_on')

