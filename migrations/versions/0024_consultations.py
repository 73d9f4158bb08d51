"""Consultations: questionnaires answered online or on paper, the roll of who answered kept apart
from the responses, written answers held for moderation, paper copies and their keyings; and the
neighbourhood's setting that a board member approves a consultation before it opens.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('introduction', sa.Text(), nullable=False),
    sa.Column('who_may_answer', sa.String(length=12), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=True),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('second_keying_percent', sa.SmallInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(), nullable=True),
    sa.Column('results', sa.JSON(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'awaiting_approval', 'approved', 'closed', 'published')", name=op.f('ck_consultation_status_known')),
    sa.CheckConstraint("who_may_answer IN ('verified', 'residents', 'anyone')", name=op.f('ck_consultation_who_may_answer_known')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], name=op.f('fk_consultation_approved_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_consultation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_consultation_neighbourhood_id_neighbourhood')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation'))
    )
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_neighbourhood_id'), ['neighbourhood_id'], unique=False)

    op.create_table('consultation_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('owner_key', sa.String(length=64), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_draft_consultation_id_consultation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_draft')),
    sa.UniqueConstraint('consultation_id', 'owner_key', name=op.f('uq_consultation_draft_consultation_id_owner_key'))
    )
    with op.batch_alter_table('consultation_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_draft_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('consultation_keying',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('keying', sa.SmallInteger(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('keyed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_keying_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['keyed_by_id'], ['user_account.id'], name=op.f('fk_consultation_keying_keyed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_keying')),
    sa.UniqueConstraint('consultation_id', 'serial', 'keying', name=op.f('uq_consultation_keying_consultation_id_serial_keying'))
    )
    with op.batch_alter_table('consultation_keying', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_keying_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('consultation_paper_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('first_serial', sa.Integer(), nullable=False),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.Column('printed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_paper_batch_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['printed_by_id'], ['user_account.id'], name=op.f('fk_consultation_paper_batch_printed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_paper_batch'))
    )
    with op.batch_alter_table('consultation_paper_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_paper_batch_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('consultation_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('prompt', sa.String(length=300), nullable=False),
    sa.Column('hint', sa.String(length=500), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('max_choices', sa.SmallInteger(), nullable=True),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('about_group', sa.String(length=60), nullable=True),
    sa.CheckConstraint("kind IN ('one', 'several', 'rank', 'scale', 'text', 'about')", name=op.f('ck_consultation_question_kind_known')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_question_consultation_id_consultation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_question'))
    )
    with op.batch_alter_table('consultation_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_question_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('consultation_response',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('replace_key', sa.String(length=64), nullable=True),
    sa.Column('serial', sa.Integer(), nullable=True),
    sa.CheckConstraint("method IN ('online', 'paper')", name=op.f('ck_consultation_response_method_known')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_response_consultation_id_consultation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_response')),
    sa.UniqueConstraint('consultation_id', 'replace_key', name=op.f('uq_consultation_response_consultation_id_replace_key')),
    sa.UniqueConstraint('consultation_id', 'serial', name=op.f('uq_consultation_response_consultation_id_serial')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('consultation_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_response_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('consultation_roll',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('person_digest', sa.String(length=48), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.CheckConstraint("method IN ('online', 'paper')", name=op.f('ck_consultation_roll_method_known')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_roll_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_consultation_roll_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_roll')),
    sa.UniqueConstraint('consultation_id', 'user_id', name=op.f('uq_consultation_roll_consultation_id_user_id'))
    )
    with op.batch_alter_table('consultation_roll', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_roll_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index('uq_consultation_roll_person_digest', ['consultation_id', 'person_digest'], unique=True)

    op.create_table('consultation_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.String(length=32), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('redacted', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('waiting', 'published', 'withheld')", name=op.f('ck_consultation_text_status_known')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_text_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_consultation_text_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['question_id'], ['consultation_question.id'], name=op.f('fk_consultation_text_question_id_consultation_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['consultation_response.id'], name=op.f('fk_consultation_text_response_id_consultation_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_text')),
    sa.UniqueConstraint('response_id', 'question_id', name=op.f('uq_consultation_text_response_id_question_id'))
    )
    with op.batch_alter_table('consultation_text', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_text_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_text_response_id'), ['response_id'], unique=False)

    with op.batch_alter_table('neighbourhood', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consultations_need_board_approval', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('neighbourhood', schema=None) as batch_op:
        batch_op.drop_column('consultations_need_board_approval')

    with op.batch_alter_table('consultation_text', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_text_response_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_text_consultation_id'))

    op.drop_table('consultation_text')
    with op.batch_alter_table('consultation_roll', schema=None) as batch_op:
        batch_op.drop_index('uq_consultation_roll_person_digest')
        batch_op.drop_index(batch_op.f('ix_consultation_roll_consultation_id'))

    op.drop_table('consultation_roll')
    with op.batch_alter_table('consultation_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_response_consultation_id'))

    op.drop_table('consultation_response')
    with op.batch_alter_table('consultation_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_question_consultation_id'))

    op.drop_table('consultation_question')
    with op.batch_alter_table('consultation_paper_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_paper_batch_consultation_id'))

    op.drop_table('consultation_paper_batch')
    with op.batch_alter_table('consultation_keying', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_keying_consultation_id'))

    op.drop_table('consultation_keying')
    with op.batch_alter_table('consultation_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_draft_consultation_id'))

    op.drop_table('consultation_draft')
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_neighbourhood_id'))

    op.drop_table('consultation')
