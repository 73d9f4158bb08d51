"""Monitoring returns (six-monthly and twelve-monthly, with their approvals and what was submitted), the
risk register, and the reminders sent about returns.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('risk_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('risk', sa.Text(), nullable=False),
    sa.Column('likelihood', sa.String(length=10), nullable=False),
    sa.Column('impact', sa.String(length=10), nullable=False),
    sa.Column('mitigation', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("impact IN ('low', 'medium', 'high')", name=op.f('ck_risk_entry_impact_known')),
    sa.CheckConstraint("likelihood IN ('low', 'medium', 'high')", name=op.f('ck_risk_entry_likelihood_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_risk_entry_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_risk_entry_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_entry')),
    sa.UniqueConstraint('neighbourhood_id', 'number', name=op.f('uq_risk_entry_neighbourhood_id_number'))
    )
    with op.batch_alter_table('risk_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_entry_neighbourhood_id'), ['neighbourhood_id'], unique=False)

    op.create_table('monitoring_return',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('narrative', sa.JSON(), nullable=False),
    sa.Column('forecast', sa.JSON(), nullable=False),
    sa.Column('submitted', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('board_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('board_approved_on', sa.Date(), nullable=True),
    sa.Column('body_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('body_approved_on', sa.Date(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.CheckConstraint("kind IN ('six_monthly', 'annual')", name=op.f('ck_monitoring_return_kind_known')),
    sa.CheckConstraint("status IN ('draft', 'board_approved', 'body_approved', 'submitted')", name=op.f('ck_monitoring_return_status_known')),
    sa.ForeignKeyConstraint(['board_approved_by_id'], ['user_account.id'], name=op.f('fk_monitoring_return_board_approved_by_id_user_account')),
    sa.ForeignKeyConstraint(['body_approved_by_id'], ['user_account.id'], name=op.f('fk_monitoring_return_body_approved_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_monitoring_return_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_monitoring_return_fund_id_fund'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_monitoring_return_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_monitoring_return_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_return')),
    sa.UniqueConstraint('fund_id', 'kind', 'period_start', name=op.f('uq_monitoring_return_fund_id_kind_period_start'))
    )
    with op.batch_alter_table('monitoring_return', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_return_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_monitoring_return_neighbourhood_id'), ['neighbourhood_id'], unique=False)

    op.create_table('return_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('which', sa.String(length=10), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_return_reminder_fund_id_fund'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_reminder')),
    sa.UniqueConstraint('fund_id', 'kind', 'period_start', 'which', name=op.f('uq_return_reminder_fund_id_kind_period_start_which'))
    )


def downgrade():
    op.drop_table('return_reminder')
    with op.batch_alter_table('monitoring_return', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_return_neighbourhood_id'))
        batch_op.drop_index(batch_op.f('ix_monitoring_return_fund_id'))

    op.drop_table('monitoring_return')
    with op.batch_alter_table('risk_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_entry_neighbourhood_id'))

    op.drop_table('risk_entry')
