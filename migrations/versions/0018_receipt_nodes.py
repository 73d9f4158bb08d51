"""Each counted round's receipts tree is stored (receipt_node), so a receipt check reads O(log n)
nodes instead of hashing every ballot of the round. Rounds counted already get theirs here, built
from their ballots' tracker hashes exactly as the count built the root its ledger entry records.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from pb.audit.merkle import grow, leaf_hash

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BATCH = 20_000


def upgrade():
    op.create_table(
        "receipt_node",
        sa.Column("round_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_receipt_node_round_id_round"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("round_id", "level", "idx", name=op.f("pk_receipt_node")),
    )
    op.create_index("ix_receipt_node_hash", "receipt_node", ["hash"])
    fill_counted_rounds(op.get_bind())


def fill_counted_rounds(bind):
    node = sa.table("receipt_node", sa.column("round_id"), sa.column("level"), sa.column("idx"), sa.column("hash"))
    counted = bind.execute(sa.text("SELECT DISTINCT round_id FROM count_result ORDER BY round_id")).scalars().all()
    for round_id in counted:
        trackers = bind.execute(sa.text("SELECT tracker_hash FROM ballot WHERE round_id = :round"),
                                {"round": round_id}).scalars()
        leaves = sorted(leaf_hash(bytes.fromhex(tracker)) for tracker in trackers)
        rows = [{"round_id": round_id, "level": level, "idx": idx, "hash": value}
                for (level, idx), value in grow(0, leaves, {}).items()]
        for start in range(0, len(rows), BATCH):
            bind.execute(node.insert(), rows[start:start + BATCH])


def downgrade():
    op.drop_index("ix_receipt_node_hash", table_name="receipt_node")
    op.drop_table("receipt_node")
