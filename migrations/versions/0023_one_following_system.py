"""One following system: the round, grant and asset followers move into one table, `follower`,
which names each subject by its kind and id.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

OLD = {"round": ("round_follower", "round_id", "round"), "grant": ("grant_follower", "grant_id", "fund_grant"),
       "asset": ("asset_follower", "asset_id", "community_asset")}


def upgrade():
    op.create_table(
        "follower",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_follower_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follower")),
        sa.UniqueConstraint("subject_type", "subject_id", "user_id", name=op.f("uq_follower_subject_type_subject_id_user_id")),
    )
    op.create_index("ix_follower_subject", "follower", ["subject_type", "subject_id"])
    op.create_index(op.f("ix_follower_user_id"), "follower", ["user_id"])
    for kind, (table, column, _subject_table) in OLD.items():
        op.execute(f"INSERT INTO follower (subject_type, subject_id, user_id, created_at) "
                   f"SELECT '{kind}', {column}, user_id, created_at FROM {table} ORDER BY id")
        op.drop_table(table)


def downgrade():
    for kind, (table, column, subject_table) in OLD.items():
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column(column, sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.ForeignKeyConstraint([column], [f"{subject_table}.id"], name=op.f(f"fk_{table}_{column}_{subject_table}"),
                                    ondelete="CASCADE"),
            sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f(f"fk_{table}_user_id_user_account"),
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint(column, "user_id", name=op.f(f"uq_{table}_{column}_user_id")),
        )
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])
        op.create_index(op.f(f"ix_{table}_user_id"), table, ["user_id"])
        op.execute(f"INSERT INTO {table} ({column}, user_id, created_at) "
                   f"SELECT subject_id, user_id, created_at FROM follower WHERE subject_type = '{kind}' ORDER BY id")
    op.drop_index(op.f("ix_follower_user_id"), table_name="follower")
    op.drop_index("ix_follower_subject", table_name="follower")
    op.drop_table("follower")
