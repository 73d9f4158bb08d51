"""Board meetings: the agenda and its papers, attendance, motions with their votes and quorum,
and minutes; the board's notice for papers and its absence rule.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('board_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('online_link', sa.String(length=500), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('annual', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('papers_published_on', sa.Date(), nullable=True),
    sa.Column('papers_late', sa.Boolean(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('confidential_minutes', sa.Text(), nullable=False),
    sa.Column('minutes_status', sa.String(length=20), nullable=False),
    sa.Column('minutes_approved_at_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("minutes_status IN ('none', 'draft', 'approved')", name=op.f('ck_board_meeting_minutes_status_known')),
    sa.CheckConstraint("status IN ('scheduled', 'papers_published', 'held', 'cancelled')", name=op.f('ck_board_meeting_status_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_board_meeting_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['minutes_approved_at_id'], ['board_meeting.id'], name=op.f('fk_board_meeting_minutes_approved_at_id_board_meeting')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_board_meeting_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_meeting'))
    )
    with op.batch_alter_table('board_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_meeting_neighbourhood_id'), ['neighbourhood_id'], unique=False)

    op.create_table('agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('paper', sa.Text(), nullable=False),
    sa.Column('paper_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('paper_sha256', sa.String(length=64), nullable=True),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('confidential_reason', sa.String(length=300), nullable=False),
    sa.Column('added_late', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['board_meeting.id'], name=op.f('fk_agenda_item_meeting_id_board_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_item')),
    sa.UniqueConstraint('meeting_id', 'number', name=op.f('uq_agenda_item_meeting_id_number'))
    )
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.CheckConstraint("status IN ('present', 'apologies', 'absent')", name=op.f('ck_meeting_attendance_status_known')),
    sa.ForeignKeyConstraint(['meeting_id'], ['board_meeting.id'], name=op.f('fk_meeting_attendance_meeting_id_board_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seat_id'], ['board_seat.id'], name=op.f('fk_meeting_attendance_seat_id_board_seat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance')),
    sa.UniqueConstraint('meeting_id', 'seat_id', name=op.f('uq_meeting_attendance_meeting_id_seat_id'))
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendance_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_attendance_seat_id'), ['seat_id'], unique=False)

    op.create_table('board_motion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('proposer_seat_id', sa.Integer(), nullable=False),
    sa.Column('seconder_seat_id', sa.Integer(), nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=False),
    sa.Column('votes_against', sa.Integer(), nullable=False),
    sa.Column('abstentions', sa.Integer(), nullable=False),
    sa.Column('interests', sa.JSON(), nullable=False),
    sa.Column('quorum', sa.Integer(), nullable=False),
    sa.Column('free_present', sa.Integer(), nullable=False),
    sa.Column('carried', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], name=op.f('fk_board_motion_item_id_agenda_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposer_seat_id'], ['board_seat.id'], name=op.f('fk_board_motion_proposer_seat_id_board_seat')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_board_motion_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['seconder_seat_id'], ['board_seat.id'], name=op.f('fk_board_motion_seconder_seat_id_board_seat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_motion'))
    )
    with op.batch_alter_table('board_motion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_motion_item_id'), ['item_id'], unique=False)

    with op.batch_alter_table('board_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_days', sa.Integer(), server_default='7', nullable=False))
        batch_op.add_column(sa.Column('absence_months', sa.Integer(), server_default='3', nullable=False))



def downgrade():
    with op.batch_alter_table('board_settings', schema=None) as batch_op:
        batch_op.drop_column('absence_months')
        batch_op.drop_column('notice_days')

    with op.batch_alter_table('board_motion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_motion_item_id'))

    op.drop_table('board_motion')
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_seat_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_meeting_id'))

    op.drop_table('meeting_attendance')
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_item_meeting_id'))

    op.drop_table('agenda_item')
    with op.batch_alter_table('board_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_meeting_neighbourhood_id'))

    op.drop_table('board_meeting')
