"""Residents' data rights: an account can be erased (erased_at; its birth year gone), its proposals
hidden on request (hide_requested_at, hidden_at, hidden_reason), and voter-roll birth years deleted
after the retention period.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 02:30:00

"""
from alembic import op
import sqlalchemy as sa

from pb.voting.models import SQLITE_BOX_TRIGGERS

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _nullable_birth_year(nullable: bool):
    with op.batch_alter_table('user_account') as batch:
        batch.alter_column('birth_year', existing_type=sa.Integer(), nullable=nullable)
    with op.batch_alter_table('voter_roll_entry') as batch:
        batch.alter_column('birth_year', existing_type=sa.Integer(), nullable=nullable)
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite's batch mode rebuilt voter_roll_entry, dropping its ballot-box triggers: put them back.
        for statement in SQLITE_BOX_TRIGGERS:
            if ' ON voter_roll_entry ' in statement:
                op.execute(statement)


PROPOSAL_COLUMNS = [sa.Column('hide_requested_at', sa.DateTime(), nullable=True),
                    sa.Column('hidden_at', sa.DateTime(), nullable=True),
                    sa.Column('hidden_reason', sa.Text(), nullable=True)]


def upgrade():
    op.add_column('user_account', sa.Column('erased_at', sa.DateTime(), nullable=True))
    for column in PROPOSAL_COLUMNS:
        op.add_column('proposal', column)
    _nullable_birth_year(True)


def downgrade():
    op.execute("UPDATE voter_roll_entry SET birth_year = 0 WHERE birth_year IS NULL")
    op.execute("UPDATE user_account SET birth_year = 0 WHERE birth_year IS NULL")
    _nullable_birth_year(False)
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('erased_at')
    with op.batch_alter_table('proposal') as batch:
        for column in PROPOSAL_COLUMNS:
            batch.drop_column(column.name)
