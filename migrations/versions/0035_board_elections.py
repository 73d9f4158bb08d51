"""Elections of resident seats: the election, its candidates, the roll of who voted and the
ballots, linked to no one.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('board_election',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('term_ends_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('votes', sa.JSON(), nullable=False),
    sa.Column('elected', sa.JSON(), nullable=False),
    sa.Column('tie', sa.JSON(), nullable=False),
    sa.Column('ballots_counted', sa.Integer(), nullable=False),
    sa.Column('counted_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("method IN ('limited', 'approval')", name=op.f('ck_board_election_method_known')),
    sa.CheckConstraint("status IN ('open', 'counted')", name=op.f('ck_board_election_status_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_board_election_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['meeting_id'], ['board_meeting.id'], name=op.f('fk_board_election_meeting_id_board_meeting')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_board_election_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_election'))
    )
    with op.batch_alter_table('board_election', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_election_neighbourhood_id'), ['neighbourhood_id'], unique=False)

    op.create_table('board_candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['board_election.id'], name=op.f('fk_board_candidate_election_id_board_election'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_board_candidate_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_candidate')),
    sa.UniqueConstraint('election_id', 'user_id', name=op.f('uq_board_candidate_election_id_user_id'))
    )
    with op.batch_alter_table('board_candidate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_candidate_election_id'), ['election_id'], unique=False)

    op.create_table('election_ballot',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['board_election.id'], name=op.f('fk_election_ballot_election_id_board_election'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_election_ballot'))
    )
    with op.batch_alter_table('election_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_election_ballot_election_id'), ['election_id'], unique=False)

    op.create_table('election_roll',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('on_paper', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['board_election.id'], name=op.f('fk_election_roll_election_id_board_election'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_election_roll_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_election_roll')),
    sa.UniqueConstraint('election_id', 'user_id', name=op.f('uq_election_roll_election_id_user_id'))
    )
    with op.batch_alter_table('election_roll', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_election_roll_election_id'), ['election_id'], unique=False)



def downgrade():
    with op.batch_alter_table('election_roll', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_election_roll_election_id'))

    op.drop_table('election_roll')
    with op.batch_alter_table('election_ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_election_ballot_election_id'))

    op.drop_table('election_ballot')
    with op.batch_alter_table('board_candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_candidate_election_id'))

    op.drop_table('board_candidate')
    with op.batch_alter_table('board_election', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_election_neighbourhood_id'))

    op.drop_table('board_election')
