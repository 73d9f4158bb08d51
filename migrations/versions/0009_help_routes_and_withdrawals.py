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


def upgrade():
    with op.batch_alter_table('neighbourhood', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commenting_needs_verification', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('help_phone', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('help_email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('help_in_person', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.alter_column('withdrawn_reason', server_default=None)
    # The defaults filled existing rows; new rows get theirs from the models, as for every column.
    with op.batch_alter_table('neighbourhood', schema=None) as batch_op:
        for name in ('commenting_needs_verification', 'help_phone', 'help_email', 'help_in_person'):
            batch_op.alter_column(name, server_default=None)


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_at')
    with op.batch_alter_table('neighbourhood', schema=None) as batch_op:
        for name in ('help_in_person', 'help_email', 'help_phone', 'commenting_needs_verification'):
            batch_op.drop_column(name)
