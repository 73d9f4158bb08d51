"""Two indexes found with EXPLAIN ANALYZE at national scale (bench/scale.py): audit_entry (log_id,
action), over which the auditor's page lists a log's distinct actions by a loose index scan (one
probe per action, not a read of every entry) and filters a long log by action; and a partial index
of residents waiting to be verified per neighbourhood, which the operator's national view counts.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 05:23:31.681643

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    # Not in batch mode: on SQLite that could rebuild audit_entry and drop its append-only triggers.
    op.create_index('ix_audit_entry_log_action', 'audit_entry', ['log_id', 'action'], unique=False)
    waiting = sa.text("role = 'resident' AND verified_at IS NULL")
    op.create_index('ix_membership_awaiting_verification', 'membership', ['neighbourhood_id'], unique=False,
                    postgresql_where=waiting, sqlite_where=waiting)


def downgrade():
    op.drop_index('ix_membership_awaiting_verification', table_name='membership')
    op.drop_index('ix_audit_entry_log_action', table_name='audit_entry')
