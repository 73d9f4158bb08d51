"""What funded projects delivered on their intervention's outputs, reported against the
neighbourhood plan's targets.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('output_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('output', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grant_id'], ['fund_grant.id'], name=op.f('fk_output_report_grant_id_fund_grant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['user_account.id'], name=op.f('fk_output_report_reported_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_output_report'))
    )
    with op.batch_alter_table('output_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_output_report_grant_id'), ['grant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('output_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_output_report_grant_id'))

    op.drop_table('output_report')
