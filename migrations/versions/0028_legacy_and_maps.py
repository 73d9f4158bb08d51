"""Spend-out and legacy (the plan's spend-out threshold, its legacy checklist, and the board's
record of why the fund's last year ended with items still open) and the plan's boundary maps.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('legacy_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id'], name=op.f('fk_legacy_item_done_by_id_user_account')),
    sa.ForeignKeyConstraint(['plan_id'], ['neighbourhood_plan.id'], name=op.f('fk_legacy_item_plan_id_neighbourhood_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legacy_item')),
    sa.UniqueConstraint('plan_id', 'name', name=op.f('uq_legacy_item_plan_id_name'))
    )
    with op.batch_alter_table('legacy_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legacy_item_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('mime_type', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['neighbourhood_plan.id'], name=op.f('fk_plan_file_plan_id_neighbourhood_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_plan_file_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_file'))
    )
    with op.batch_alter_table('plan_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_file_plan_id'), ['plan_id'], unique=False)

    with op.batch_alter_table('neighbourhood_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('spend_out_threshold', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('open_items_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('open_items_recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('open_items_recorded_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_neighbourhood_plan_open_items_recorded_by_id_user_account'), 'user_account', ['open_items_recorded_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('neighbourhood_plan', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_neighbourhood_plan_open_items_recorded_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('open_items_recorded_on')
        batch_op.drop_column('open_items_recorded_by_id')
        batch_op.drop_column('open_items_reason')
        batch_op.drop_column('spend_out_threshold')

    with op.batch_alter_table('plan_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_file_plan_id'))

    op.drop_table('plan_file')
    with op.batch_alter_table('legacy_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legacy_item_plan_id'))

    op.drop_table('legacy_item')
