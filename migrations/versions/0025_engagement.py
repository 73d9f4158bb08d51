"""The engagement log (each way the neighbourhood listened, with how many people, by age band
where counted) and the area profile (who lives there, by group, from a published source).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('area_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user_account.id'], name=op.f('fk_area_profile_imported_by_id_user_account')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_area_profile_neighbourhood_id_neighbourhood')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_profile'))
    )
    with op.batch_alter_table('area_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_profile_neighbourhood_id'), ['neighbourhood_id'], unique=False)

    op.create_table('engagement_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=160), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('by_age', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('photo', sa.LargeBinary(), nullable=True),
    sa.Column('photo_type', sa.String(length=20), nullable=True),
    sa.Column('photo_alt', sa.String(length=200), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('event', 'stall', 'door_knocking', 'workshop', 'youth', 'online', 'other')", name=op.f('ck_engagement_activity_kind_known')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_engagement_activity_neighbourhood_id_neighbourhood')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_engagement_activity_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement_activity'))
    )
    with op.batch_alter_table('engagement_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_activity_neighbourhood_id'), ['neighbourhood_id'], unique=False)

    op.create_table('area_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('grouping', sa.String(length=60), nullable=False),
    sa.Column('band', sa.String(length=120), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['area_profile.id'], name=op.f('fk_area_group_profile_id_area_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_group')),
    sa.UniqueConstraint('profile_id', 'grouping', 'band', name=op.f('uq_area_group_profile_id_grouping_band'))
    )
    with op.batch_alter_table('area_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_group_profile_id'), ['profile_id'], unique=False)



def downgrade():
    with op.batch_alter_table('area_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_group_profile_id'))

    op.drop_table('area_group')
    with op.batch_alter_table('engagement_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagement_activity_neighbourhood_id'))

    op.drop_table('engagement_activity')
    with op.batch_alter_table('area_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_profile_neighbourhood_id'))

    op.drop_table('area_profile')
