"""Board sign-off: each member's approval of a count result, and projects the board declined.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 05:59:14.369384

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('result_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count_result_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['count_result_id'], ['count_result.id'], name=op.f('fk_result_approval_count_result_id_count_result'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['user_account.id'], name=op.f('fk_result_approval_member_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_approval')),
    sa.UniqueConstraint('count_result_id', 'member_id', name=op.f('uq_result_approval_count_result_id_member_id'))
    )
    with op.batch_alter_table('result_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_approval_count_result_id'), ['count_result_id'], unique=False)

    op.create_table('declined_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['user_account.id'], name=op.f('fk_declined_project_member_id_user_account')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_declined_project_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_declined_project_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declined_project')),
    sa.UniqueConstraint('round_id', 'proposal_id', name=op.f('uq_declined_project_round_id_proposal_id'))
    )
    with op.batch_alter_table('declined_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declined_project_round_id'), ['round_id'], unique=False)



def downgrade():
    with op.batch_alter_table('declined_project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declined_project_round_id'))

    op.drop_table('declined_project')
    with op.batch_alter_table('result_approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_approval_count_result_id'))

    op.drop_table('result_approval')
