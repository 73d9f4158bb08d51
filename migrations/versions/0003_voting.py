"""Voting: the voter roll, ballots (no user id, random ids, stored in id order on SQLite) and count
results; rounds say whether a ballot may be changed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 05:51:09.074135

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ballot',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('replace_key', sa.String(length=64), nullable=True),
    sa.Column('tracker_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_ballot_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot')),
    sa.UniqueConstraint('round_id', 'replace_key', name=op.f('uq_ballot_round_id_replace_key')),
    sa.UniqueConstraint('tracker_hash', name=op.f('uq_ballot_tracker_hash')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_round_id'), ['round_id'], unique=False)

    op.create_table('count_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=30), nullable=False),
    sa.Column('ballots_sha256', sa.String(length=64), nullable=False),
    sa.Column('ballot_count', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('turnout', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('counted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['counted_by_id'], ['user_account.id'], name=op.f('fk_count_result_counted_by_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_count_result_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_result'))
    )
    with op.batch_alter_table('count_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_result_round_id'), ['round_id'], unique=False)

    op.create_table('voter_roll_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('voted_on', sa.Date(), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_voter_roll_entry_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_voter_roll_entry_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voter_roll_entry')),
    sa.UniqueConstraint('round_id', 'user_id', name=op.f('uq_voter_roll_entry_round_id_user_id'))
    )
    with op.batch_alter_table('voter_roll_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voter_roll_entry_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allow_ballot_changes', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade():
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('allow_ballot_changes')

    with op.batch_alter_table('voter_roll_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voter_roll_entry_round_id'))

    op.drop_table('voter_roll_entry')
    with op.batch_alter_table('count_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_count_result_round_id'))

    op.drop_table('count_result')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_round_id'))

    op.drop_table('ballot')
