"""The annual report: one per fund and financial year, its contents kept as the board approved them
and its PDF as published.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('annual_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('financial_year', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('foreword', sa.Text(), nullable=False),
    sa.Column('contents', sa.JSON(), nullable=True),
    sa.Column('approved_at_id', sa.Integer(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'approved', 'published')", name=op.f('ck_annual_report_status_known')),
    sa.ForeignKeyConstraint(['approved_at_id'], ['board_meeting.id'], name=op.f('fk_annual_report_approved_at_id_board_meeting')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_annual_report_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_annual_report_fund_id_fund'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_annual_report_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report')),
    sa.UniqueConstraint('fund_id', 'financial_year', name=op.f('uq_annual_report_fund_id_financial_year'))
    )
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_report_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annual_report_neighbourhood_id'), ['neighbourhood_id'], unique=False)



def downgrade():
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_report_neighbourhood_id'))
        batch_op.drop_index(batch_op.f('ix_annual_report_fund_id'))

    op.drop_table('annual_report')
