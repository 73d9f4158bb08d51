"""The board's approval of a version of the plan at quorum (one row per member's approval) and
board members' declared interests in the plan.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_interest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['neighbourhood_plan.id'], name=op.f('fk_plan_interest_plan_id_neighbourhood_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_plan_interest_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_interest')),
    sa.UniqueConstraint('plan_id', 'user_id', name=op.f('uq_plan_interest_plan_id_user_id'))
    )
    with op.batch_alter_table('plan_interest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_interest_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['user_account.id'], name=op.f('fk_plan_approval_member_id_user_account')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_approval_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_approval')),
    sa.UniqueConstraint('version_id', 'member_id', name=op.f('uq_plan_approval_version_id_member_id'))
    )
    with op.batch_alter_table('plan_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_approval_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('plan_approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_approval_version_id'))

    op.drop_table('plan_approval')
    with op.batch_alter_table('plan_interest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_interest_plan_id'))

    op.drop_table('plan_interest')
