"""Rounds and proposals: pots, timeline, board decisions, followers; proposals with versions,
cost lines, images, reviews, interests, comments, flags, supports, amendments and events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 05:19:59.848685

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('fund_year', sa.String(length=7), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('total_budget', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('who_may_propose', sa.String(length=30), nullable=False),
    sa.Column('ballot_type', sa.String(length=20), nullable=False),
    sa.Column('ballot_min', sa.Integer(), nullable=False),
    sa.Column('ballot_max', sa.Integer(), nullable=True),
    sa.Column('ballot_points', sa.Integer(), nullable=True),
    sa.Column('counting_rule', sa.String(length=30), nullable=False),
    sa.Column('tie_break', sa.String(length=30), nullable=False),
    sa.Column('support_cap', sa.Integer(), nullable=True),
    sa.Column('support_threshold', sa.Integer(), nullable=True),
    sa.Column('max_per_proposal', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('rules_locked_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('phase_changed_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('total_budget > 0', name=op.f('ck_round_budget_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_round_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_round_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round')),
    sa.UniqueConstraint('neighbourhood_id', 'name', name=op.f('uq_round_neighbourhood_id_name'))
    )
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_neighbourhood_id'), ['neighbourhood_id'], unique=False)

    op.create_table('board_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_board_decision_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_board_decision_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_decision'))
    )
    with op.batch_alter_table('board_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_decision_round_id'), ['round_id'], unique=False)

    op.create_table('deliberation_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('access_notes', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('attendance', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_deliberation_event_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_deliberation_event_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliberation_event'))
    )
    with op.batch_alter_table('deliberation_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliberation_event_round_id'), ['round_id'], unique=False)

    op.create_table('pot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('spend_rule', sa.String(length=10), nullable=False),
    sa.Column('max_per_proposal', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_pot_amount_positive')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_pot_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pot')),
    sa.UniqueConstraint('round_id', 'name', name=op.f('uq_pot_round_id_name'))
    )
    with op.batch_alter_table('pot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pot_round_id'), ['round_id'], unique=False)

    op.create_table('round_follower',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_round_follower_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_round_follower_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_follower')),
    sa.UniqueConstraint('round_id', 'user_id', name=op.f('uq_round_follower_round_id_user_id'))
    )
    with op.batch_alter_table('round_follower', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_follower_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_follower_user_id'), ['user_id'], unique=False)

    op.create_table('round_phase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_round_phase_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_phase')),
    sa.UniqueConstraint('round_id', 'phase', name=op.f('uq_round_phase_round_id_phase'))
    )
    with op.batch_alter_table('round_phase', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_phase_round_id'), ['round_id'], unique=False)

    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('pot_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('need', sa.Text(), nullable=False),
    sa.Column('beneficiaries', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=120), nullable=False),
    sa.Column('group_name', sa.String(length=120), nullable=True),
    sa.Column('proposer_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('total_cost', sa.Integer(), nullable=False),
    sa.Column('adjusted_cost', sa.Integer(), nullable=True),
    sa.Column('adjusted_reason', sa.Text(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('support_count', sa.Integer(), nullable=False),
    sa.Column('comment_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['merged_into_id'], ['proposal.id'], name=op.f('fk_proposal_merged_into_id_proposal')),
    sa.ForeignKeyConstraint(['pot_id'], ['pot.id'], name=op.f('fk_proposal_pot_id_pot')),
    sa.ForeignKeyConstraint(['proposer_id'], ['user_account.id'], name=op.f('fk_proposal_proposer_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_proposal_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal')),
    sa.UniqueConstraint('round_id', 'number', name=op.f('uq_proposal_round_id_number'))
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_round_id'), ['round_id'], unique=False)
        batch_op.create_index('ix_proposal_round_status', ['round_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('new_text', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('responded_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_amendment_author_id_user_account')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_amendment_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment'))
    )
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('stance', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('official', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('flag_count', sa.Integer(), nullable=False),
    sa.Column('hidden_at', sa.DateTime(), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_comment_author_id_user_account')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['user_account.id'], name=op.f('fk_comment_hidden_by_id_user_account')),
    sa.ForeignKeyConstraint(['parent_id'], ['comment.id'], name=op.f('fk_comment_parent_id_comment')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_comment_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_comment_proposal_created', ['proposal_id', 'created_at'], unique=False)

    op.create_table('cost_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('financial_year', sa.String(length=7), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_cost_line_amount_positive')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_cost_line_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cost_line'))
    )
    with op.batch_alter_table('cost_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cost_line_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('event_proposal',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['deliberation_event.id'], name=op.f('fk_event_proposal_event_id_deliberation_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_event_proposal_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'proposal_id', name=op.f('pk_event_proposal'))
    )
    op.create_table('interest_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_interest_declaration_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_interest_declaration_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interest_declaration')),
    sa.UniqueConstraint('proposal_id', 'user_id', name=op.f('uq_interest_declaration_proposal_id_user_id'))
    )
    with op.batch_alter_table('interest_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interest_declaration_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interest_declaration_user_id'), ['user_id'], unique=False)

    op.create_table('proposal_author',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_author_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_proposal_author_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_author')),
    sa.UniqueConstraint('proposal_id', 'user_id', name=op.f('uq_proposal_author_proposal_id_user_id'))
    )
    with op.batch_alter_table('proposal_author', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_author_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_author_user_id'), ['user_id'], unique=False)

    op.create_table('proposal_image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('alt_text', sa.String(length=200), nullable=False),
    sa.Column('mime_type', sa.String(length=20), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_image_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_proposal_image_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_image'))
    )
    with op.batch_alter_table('proposal_image', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_image_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_proposal_version_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_version_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_version')),
    sa.UniqueConstraint('proposal_id', 'number', name=op.f('uq_proposal_version_proposal_id_number'))
    )
    with op.batch_alter_table('proposal_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_version_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('public_reason', sa.Text(), nullable=False),
    sa.Column('questions', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_review_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_review_reviewer_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review'))
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_support_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_support_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_support_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support')),
    sa.UniqueConstraint('proposal_id', 'user_id', name=op.f('uq_support_proposal_id_user_id'))
    )
    with op.batch_alter_table('support', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index('ix_support_round_user', ['round_id', 'user_id'], unique=False)

    op.create_table('comment_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_flag_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_comment_flag_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_flag')),
    sa.UniqueConstraint('comment_id', 'user_id', name=op.f('uq_comment_flag_comment_id_user_id'))
    )
    with op.batch_alter_table('comment_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_flag_comment_id'), ['comment_id'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposal_emails', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('proposal_emails')

    with op.batch_alter_table('comment_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_flag_comment_id'))

    op.drop_table('comment_flag')
    with op.batch_alter_table('support', schema=None) as batch_op:
        batch_op.drop_index('ix_support_round_user')
        batch_op.drop_index(batch_op.f('ix_support_proposal_id'))

    op.drop_table('support')
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_proposal_id'))

    op.drop_table('review')
    with op.batch_alter_table('proposal_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_version_proposal_id'))

    op.drop_table('proposal_version')
    with op.batch_alter_table('proposal_image', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_image_proposal_id'))

    op.drop_table('proposal_image')
    with op.batch_alter_table('proposal_author', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_author_user_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_author_proposal_id'))

    op.drop_table('proposal_author')
    with op.batch_alter_table('interest_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interest_declaration_user_id'))
        batch_op.drop_index(batch_op.f('ix_interest_declaration_proposal_id'))

    op.drop_table('interest_declaration')
    op.drop_table('event_proposal')
    with op.batch_alter_table('cost_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cost_line_proposal_id'))

    op.drop_table('cost_line')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_proposal_created')
        batch_op.drop_index(batch_op.f('ix_comment_parent_id'))
        batch_op.drop_index(batch_op.f('ix_comment_author_id'))

    op.drop_table('comment')
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_proposal_id'))

    op.drop_table('amendment')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_submitted_at'))
        batch_op.drop_index('ix_proposal_round_status')
        batch_op.drop_index(batch_op.f('ix_proposal_round_id'))

    op.drop_table('proposal')
    with op.batch_alter_table('round_phase', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_phase_round_id'))

    op.drop_table('round_phase')
    with op.batch_alter_table('round_follower', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_follower_user_id'))
        batch_op.drop_index(batch_op.f('ix_round_follower_round_id'))

    op.drop_table('round_follower')
    with op.batch_alter_table('pot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pot_round_id'))

    op.drop_table('pot')
    with op.batch_alter_table('deliberation_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliberation_event_round_id'))

    op.drop_table('deliberation_event')
    with op.batch_alter_table('board_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_decision_round_id'))

    op.drop_table('board_decision')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_neighbourhood_id'))

    op.drop_table('round')
