"""The board: its settings (whose rules it follows), seats and who holds them, each member's
register of interests and its confirmations, and the versioned code of conduct with each
acceptance.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('board_seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('term_ends_on', sa.Date(), nullable=True),
    sa.Column('came_by', sa.String(length=20), nullable=False),
    sa.Column('elected_representative', sa.Boolean(), nullable=False),
    sa.Column('council_approved_on', sa.Date(), nullable=True),
    sa.Column('mp_approved_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.Column('end_note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("came_by IN ('elected', 'appointed', 'co_opted')", name=op.f('ck_board_seat_came_by_known')),
    sa.CheckConstraint("end_reason IS NULL OR end_reason IN ('stepped_down', 'removed', 'term_ended')", name=op.f('ck_board_seat_end_reason_known')),
    sa.CheckConstraint("kind IN ('resident', 'chair', 'vice_chair', 'business', 'community', 'workplace', 'young_person', 'councillor', 'mp', 'co_opted', 'observer')", name=op.f('ck_board_seat_kind_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_board_seat_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_board_seat_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_board_seat_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_seat'))
    )
    with op.batch_alter_table('board_seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_seat_neighbourhood_id'), ['neighbourhood_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_board_seat_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_board_seat_open', ['neighbourhood_id', 'user_id'], unique=True, sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))

    op.create_table('board_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('rules', sa.String(length=40), nullable=False),
    sa.Column('gift_threshold', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_board_settings_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_settings')),
    sa.UniqueConstraint('neighbourhood_id', name=op.f('uq_board_settings_neighbourhood_id'))
    )
    op.create_table('conduct_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_conduct_code_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_conduct_code_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conduct_code')),
    sa.UniqueConstraint('neighbourhood_id', 'version', name=op.f('uq_conduct_code_neighbourhood_id_version'))
    )
    with op.batch_alter_table('conduct_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conduct_code_neighbourhood_id'), ['neighbourhood_id'], unique=False)

    op.create_table('register_confirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_on', sa.Date(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_register_confirmation_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_register_confirmation_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_confirmation'))
    )
    with op.batch_alter_table('register_confirmation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_confirmation_neighbourhood_id'), ['neighbourhood_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_confirmation_user_id'), ['user_id'], unique=False)

    op.create_table('register_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('from_on', sa.Date(), nullable=False),
    sa.Column('to_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('employment', 'business', 'land', 'organisation', 'gift', 'family')", name=op.f('ck_register_entry_kind_known')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_register_entry_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_register_entry_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_entry'))
    )
    with op.batch_alter_table('register_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_entry_neighbourhood_id'), ['neighbourhood_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_entry_user_id'), ['user_id'], unique=False)

    op.create_table('conduct_acceptance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['conduct_code.id'], name=op.f('fk_conduct_acceptance_code_id_conduct_code'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_conduct_acceptance_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conduct_acceptance')),
    sa.UniqueConstraint('code_id', 'user_id', name=op.f('uq_conduct_acceptance_code_id_user_id'))
    )
    with op.batch_alter_table('conduct_acceptance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conduct_acceptance_code_id'), ['code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conduct_acceptance_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('conduct_acceptance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conduct_acceptance_user_id'))
        batch_op.drop_index(batch_op.f('ix_conduct_acceptance_code_id'))

    op.drop_table('conduct_acceptance')
    with op.batch_alter_table('register_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_entry_user_id'))
        batch_op.drop_index(batch_op.f('ix_register_entry_neighbourhood_id'))

    op.drop_table('register_entry')
    with op.batch_alter_table('register_confirmation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_confirmation_user_id'))
        batch_op.drop_index(batch_op.f('ix_register_confirmation_neighbourhood_id'))

    op.drop_table('register_confirmation')
    with op.batch_alter_table('conduct_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conduct_code_neighbourhood_id'))

    op.drop_table('conduct_code')
    op.drop_table('board_settings')
    with op.batch_alter_table('board_seat', schema=None) as batch_op:
        batch_op.drop_index('uq_board_seat_open', sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_board_seat_user_id'))
        batch_op.drop_index(batch_op.f('ix_board_seat_neighbourhood_id'))

    op.drop_table('board_seat')
