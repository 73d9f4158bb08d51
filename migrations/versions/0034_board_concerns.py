"""Concerns about the board, handled by the accountable body's named contacts, and the days they
have to acknowledge one.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('board_concern',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('about', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('reply_email', sa.String(length=254), nullable=False),
    sa.Column('may_name', sa.Boolean(), nullable=False),
    sa.Column('whistleblowing', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('acknowledge_by', sa.Date(), nullable=False),
    sa.Column('acknowledged_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('interest', 'conduct', 'decision', 'other')", name=op.f('ck_board_concern_kind_known')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('upheld', 'not_upheld')", name=op.f('ck_board_concern_outcome_known')),
    sa.CheckConstraint("status IN ('received', 'acknowledged', 'answered')", name=op.f('ck_board_concern_status_known')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user_account.id'], name=op.f('fk_board_concern_handled_by_id_user_account')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_board_concern_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['raised_by_id'], ['user_account.id'], name=op.f('fk_board_concern_raised_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_concern')),
    sa.UniqueConstraint('neighbourhood_id', 'number', name=op.f('uq_board_concern_neighbourhood_id_number'))
    )
    with op.batch_alter_table('board_concern', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_concern_neighbourhood_id'), ['neighbourhood_id'], unique=False)

    with op.batch_alter_table('board_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('concern_contacts', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('concern_days', sa.Integer(), server_default='10', nullable=False))



def downgrade():
    with op.batch_alter_table('board_settings', schema=None) as batch_op:
        batch_op.drop_column('concern_days')
        batch_op.drop_column('concern_contacts')

    with op.batch_alter_table('board_concern', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_concern_neighbourhood_id'))

    op.drop_table('board_concern')
