"""The neighbourhood plan: one per neighbourhood under a programme framework, its numbered
versions (each version's sections as one JSON document, whose digest the ledger records),
residents' comments on a version out for comment, its reviews; the intervention each pot and grant
serves; and the framework a national programme may require of every neighbourhood's plan.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('neighbourhood_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('framework', sa.String(length=40), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_neighbourhood_plan_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_neighbourhood_plan_fund_id_fund')),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_neighbourhood_plan_neighbourhood_id_neighbourhood')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_neighbourhood_plan')),
    sa.UniqueConstraint('neighbourhood_id', name=op.f('uq_neighbourhood_plan_neighbourhood_id'))
    )
    op.create_table('plan_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'approved')", name=op.f('ck_plan_review_status_known')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], name=op.f('fk_plan_review_approved_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_plan_review_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['plan_id'], ['neighbourhood_plan.id'], name=op.f('fk_plan_review_plan_id_neighbourhood_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_review')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_plan_review_plan_id_number'))
    )
    with op.batch_alter_table('plan_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_review_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('endorsed_on', sa.Date(), nullable=True),
    sa.Column('endorsed_by', sa.String(length=200), nullable=False),
    sa.Column('endorsement_conditions', sa.Text(), nullable=False),
    sa.Column('endorsement_recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'out_for_comment', 'approved', 'endorsed', 'superseded')", name=op.f('ck_plan_version_status_known')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], name=op.f('fk_plan_version_approved_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_plan_version_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['endorsement_recorded_by_id'], ['user_account.id'], name=op.f('fk_plan_version_endorsement_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['plan_id'], ['neighbourhood_plan.id'], name=op.f('fk_plan_version_plan_id_neighbourhood_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_plan_version_plan_id_number'))
    )
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_version_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('hidden_at', sa.DateTime(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=300), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_plan_comment_author_id_user_account')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['user_account.id'], name=op.f('fk_plan_comment_hidden_by_id_user_account')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_comment_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_comment'))
    )
    with op.batch_alter_table('plan_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_comment_version_id'), ['version_id'], unique=False)

    with op.batch_alter_table('fund_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intervention', sa.String(length=60), nullable=True))
        batch_op.create_index(batch_op.f('ix_fund_grant_intervention'), ['intervention'], unique=False)

    with op.batch_alter_table('pot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intervention', sa.String(length=60), nullable=True))
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_framework', sa.String(length=40), nullable=True))


def downgrade():
    op.execute("ALTER TABLE programme DROP COLUMN required_framework")
    # ALTER TABLE ... DROP COLUMN on both engines (SQLite 3.35+): a batch rebuild of fund_grant would
    # break the payment triggers that name it.
    op.drop_index(op.f('ix_fund_grant_intervention'), table_name='fund_grant')
    op.execute("ALTER TABLE fund_grant DROP COLUMN intervention")
    op.execute("ALTER TABLE pot DROP COLUMN intervention")

    with op.batch_alter_table('plan_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_comment_version_id'))

    op.drop_table('plan_comment')
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_version_plan_id'))

    op.drop_table('plan_version')
    with op.batch_alter_table('plan_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_review_plan_id'))

    op.drop_table('plan_review')
    op.drop_table('neighbourhood_plan')
