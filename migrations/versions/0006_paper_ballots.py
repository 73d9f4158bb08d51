"""Paper ballots: events with serial ranges and returns, each returned ballot's state, and its
keyings by two facilitators.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 06:02:59.994862

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('paper_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('first_serial', sa.Integer(), nullable=False),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.Column('returned', sa.Integer(), nullable=True),
    sa.Column('outstanding', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_paper_event_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_paper_event_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_event'))
    )
    with op.batch_alter_table('paper_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_event_round_id'), ['round_id'], unique=False)

    op.create_table('paper_serial',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('spoilt_reason', sa.Text(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['paper_event.id'], name=op.f('fk_paper_serial_event_id_paper_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_paper_serial_resolved_by_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_paper_serial_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_serial')),
    sa.UniqueConstraint('round_id', 'serial', name=op.f('uq_paper_serial_round_id_serial'))
    )
    with op.batch_alter_table('paper_serial', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_serial_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_serial_round_id'), ['round_id'], unique=False)

    op.create_table('paper_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_serial_id', sa.Integer(), nullable=False),
    sa.Column('keyed_by_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['keyed_by_id'], ['user_account.id'], name=op.f('fk_paper_entry_keyed_by_id_user_account')),
    sa.ForeignKeyConstraint(['paper_serial_id'], ['paper_serial.id'], name=op.f('fk_paper_entry_paper_serial_id_paper_serial'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_entry')),
    sa.UniqueConstraint('paper_serial_id', 'keyed_by_id', name=op.f('uq_paper_entry_paper_serial_id_keyed_by_id'))
    )
    with op.batch_alter_table('paper_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_entry_paper_serial_id'), ['paper_serial_id'], unique=False)



def downgrade():
    with op.batch_alter_table('paper_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_entry_paper_serial_id'))

    op.drop_table('paper_entry')
    with op.batch_alter_table('paper_serial', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_serial_round_id'))
        batch_op.drop_index(batch_op.f('ix_paper_serial_event_id'))

    op.drop_table('paper_serial')
    with op.batch_alter_table('paper_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_event_round_id'))

    op.drop_table('paper_event')
