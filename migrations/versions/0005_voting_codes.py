"""Voting codes: one-time codes printed for verified residents, one per resident per round.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 06:00:41.834747

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('voting_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('batch', sa.Integer(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_voting_code_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_voting_code_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_voting_code_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_voting_code_code_hash')),
    sa.UniqueConstraint('round_id', 'user_id', name=op.f('uq_voting_code_round_id_user_id'))
    )
    with op.batch_alter_table('voting_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_code_round_id'), ['round_id'], unique=False)



def downgrade():
    with op.batch_alter_table('voting_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_code_round_id'))

    op.drop_table('voting_code')
