"""An index on audit_entry (log_id, action), found with EXPLAIN ANALYZE at national scale: the
auditor's page lists a log's distinct actions by a loose index scan over it (one probe per action,
not a read of every entry), and filtering a long log by action uses it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 05:23:31.681643

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    # Not in batch mode: on SQLite that could rebuild audit_entry and drop its append-only triggers.
    op.create_index('ix_audit_entry_log_action', 'audit_entry', ['log_id', 'action'], unique=False)


def downgrade():
    op.drop_index('ix_audit_entry_log_action', table_name='audit_entry')
