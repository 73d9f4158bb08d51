"""Answering for the money: funding agreements with their schedules, versions, drawdowns and
repayments to the funder; the holding account's bank statements and each line's match.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('layout', sa.String(length=60), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('first_on', sa.Date(), nullable=False),
    sa.Column('last_on', sa.Date(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_bank_statement_fund_id_fund'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user_account.id'], name=op.f('fk_bank_statement_imported_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement')),
    sa.UniqueConstraint('fund_id', 'sha256', name=op.f('uq_bank_statement_fund_id_sha256'))
    )
    with op.batch_alter_table('bank_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statement_fund_id'), ['fund_id'], unique=False)

    op.create_table('funding_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('funder_name', sa.String(length=120), nullable=False),
    sa.Column('body_name', sa.String(length=120), nullable=False),
    sa.Column('body_kind', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('fee_basis_points', sa.Integer(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body_contact_id', sa.Integer(), nullable=False),
    sa.Column('funder_contact_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("body_kind IN ('council', 'local_trust', 'own_body')", name=op.f('ck_funding_agreement_body_kind_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_funding_agreement_agreement_amount')),
    sa.CheckConstraint('fee_basis_points BETWEEN 0 AND 2000', name=op.f('ck_funding_agreement_agreement_fee_range')),
    sa.ForeignKeyConstraint(['body_contact_id'], ['user_account.id'], name=op.f('fk_funding_agreement_body_contact_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_funding_agreement_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_funding_agreement_fund_id_fund')),
    sa.ForeignKeyConstraint(['funder_contact_id'], ['user_account.id'], name=op.f('fk_funding_agreement_funder_contact_id_user_account')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_funding_agreement_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['fund_source.id'], name=op.f('fk_funding_agreement_source_id_fund_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_agreement')),
    sa.UniqueConstraint('neighbourhood_id', 'number', name=op.f('uq_funding_agreement_neighbourhood_id_number')),
    sa.UniqueConstraint('source_id', name=op.f('uq_funding_agreement_source_id'))
    )
    with op.batch_alter_table('funding_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_agreement_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_funding_agreement_neighbourhood_id'), ['neighbourhood_id'], unique=False)

    op.create_table('statement_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('line_number', sa.Integer(), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=True),
    sa.Column('match_kind', sa.String(length=20), nullable=True),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('match_state', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("match_kind IS NULL OR match_kind IN ('receipt', 'payment', 'group_return', 'fee', 'repayment', 'explained')", name=op.f('ck_statement_line_match_kind_known')),
    sa.CheckConstraint("match_state IS NULL OR match_state IN ('suggested', 'confirmed')", name=op.f('ck_statement_line_match_state_known')),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_statement_line_statement_line_amount')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_statement_line_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_statement_line_fund_id_fund'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statement.id'], name=op.f('fk_statement_line_statement_id_bank_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_line'))
    )
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.create_index('ix_statement_line_fund_booked_on', ['fund_id', 'booked_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_line_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index('uq_statement_line_match', ['match_kind', 'match_id'], unique=True, sqlite_where=sa.text('match_id IS NOT NULL'), postgresql_where=sa.text('match_id IS NOT NULL'))

    op.create_table('agreement_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['funding_agreement.id'], name=op.f('fk_agreement_version_agreement_id_funding_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_agreement_version_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_version')),
    sa.UniqueConstraint('agreement_id', 'number', name=op.f('uq_agreement_version_agreement_id_number'))
    )
    with op.batch_alter_table('agreement_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_version_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('funder_repayment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('returned_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_funder_repayment_repayment_amount')),
    sa.ForeignKeyConstraint(['agreement_id'], ['funding_agreement.id'], name=op.f('fk_funder_repayment_agreement_id_funding_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_funder_repayment_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funder_repayment'))
    )
    with op.batch_alter_table('funder_repayment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funder_repayment_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('schedule_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('financial_year', sa.String(length=7), nullable=False),
    sa.Column('intervention', sa.String(length=60), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_schedule_line_schedule_amount')),
    sa.ForeignKeyConstraint(['agreement_id'], ['funding_agreement.id'], name=op.f('fk_schedule_line_agreement_id_funding_agreement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_line')),
    sa.UniqueConstraint('agreement_id', 'financial_year', 'intervention', name=op.f('uq_schedule_line_agreement_id_financial_year_intervention'))
    )
    with op.batch_alter_table('schedule_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_line_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('drawdown',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('schedule_line_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('covers', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('requested', 'approved', 'refused', 'received')", name=op.f('ck_drawdown_status_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_drawdown_drawdown_amount')),
    sa.ForeignKeyConstraint(['agreement_id'], ['funding_agreement.id'], name=op.f('fk_drawdown_agreement_id_funding_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_drawdown_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['receipt_id'], ['source_receipt.id'], name=op.f('fk_drawdown_receipt_id_source_receipt')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_drawdown_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['schedule_line_id'], ['schedule_line.id'], name=op.f('fk_drawdown_schedule_line_id_schedule_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drawdown')),
    sa.UniqueConstraint('agreement_id', 'number', name=op.f('uq_drawdown_agreement_id_number')),
    sa.UniqueConstraint('receipt_id', name=op.f('uq_drawdown_receipt_id'))
    )
    with op.batch_alter_table('drawdown', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drawdown_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drawdown_schedule_line_id'), ['schedule_line_id'], unique=False)



def downgrade():
    with op.batch_alter_table('drawdown', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drawdown_schedule_line_id'))
        batch_op.drop_index(batch_op.f('ix_drawdown_agreement_id'))

    op.drop_table('drawdown')
    with op.batch_alter_table('schedule_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_line_agreement_id'))

    op.drop_table('schedule_line')
    with op.batch_alter_table('funder_repayment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funder_repayment_agreement_id'))

    op.drop_table('funder_repayment')
    with op.batch_alter_table('agreement_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_version_agreement_id'))

    op.drop_table('agreement_version')
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.drop_index('uq_statement_line_match', sqlite_where=sa.text('match_id IS NOT NULL'), postgresql_where=sa.text('match_id IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_statement_line_statement_id'))
        batch_op.drop_index('ix_statement_line_fund_booked_on')

    op.drop_table('statement_line')
    with op.batch_alter_table('funding_agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_agreement_neighbourhood_id'))
        batch_op.drop_index(batch_op.f('ix_funding_agreement_fund_id'))

    op.drop_table('funding_agreement')
    with op.batch_alter_table('bank_statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_statement_fund_id'))

    op.drop_table('bank_statement')
