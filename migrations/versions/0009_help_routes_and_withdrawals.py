"""Neighbourhoods: whether commenting needs verification, and how to reach someone for help;
proposals: when and why they were withdrawn.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# Plain ALTER TABLE, never a batch "move and copy": rebuilding neighbourhood or proposal on SQLite,
# with foreign keys on, would cascade-delete every round (or every comment) that points at it.
COLUMNS = {
    'neighbourhood': [
        sa.Column('commenting_needs_verification', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('help_phone', sa.String(length=40), nullable=False, server_default=''),
        sa.Column('help_email', sa.String(length=254), nullable=False, server_default=''),
        sa.Column('help_in_person', sa.Text(), nullable=False, server_default=''),
    ],
    'proposal': [
        sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
        sa.Column('withdrawn_reason', sa.Text(), nullable=False, server_default=''),
    ],
}


def upgrade():
    for table, columns in COLUMNS.items():
        for column in columns:
            op.add_column(table, column)


def downgrade():
    for table, columns in COLUMNS.items():
        for column in reversed(columns):
            # SQLite 3.35+ drops a column in place (no rebuild); PostgreSQL always has.
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column.name}')
