"""Stored Merkle nodes: each log keeps its entries' leaf hashes and every complete subtree above
them (merkle_node, append-only), and audit_log.tree_size says how many entries they cover, so
checkpoints, entry pages and receipt proofs read O(log n) nodes instead of re-hashing a log.
Existing logs are filled in here, each checked against its chain as it is hashed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 05:08:42.508208

"""
import json

from alembic import op
import sqlalchemy as sa

from pb.audit import GENESIS_HASH, verify_chain
from pb.audit.merkle import entry_leaf, frontier, grow
from pb.ledger.models import NODE_POSTGRES_TRIGGERS, NODE_SQLITE_TRIGGERS

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

FIELDS = ("seq", "at", "actor", "action", "subject_type", "subject_id", "payload", "prev_hash", "hash")


def upgrade():
    op.create_table('merkle_node',
    sa.Column('log_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.ForeignKeyConstraint(['log_id'], ['audit_log.id'], name=op.f('fk_merkle_node_log_id_audit_log')),
    sa.PrimaryKeyConstraint('log_id', 'level', 'idx', name=op.f('pk_merkle_node'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tree_size', sa.Integer(), server_default='0', nullable=False))
    bind = op.get_bind()
    for statement in NODE_POSTGRES_TRIGGERS if bind.dialect.name == "postgresql" else NODE_SQLITE_TRIGGERS:
        op.execute(statement)
    fill_existing_logs(bind)


def fill_existing_logs(bind):
    """Hash each log once, checking its chain: a broken chain stops the migration rather than
    storing a tree over a changed history."""
    node = sa.table("merkle_node", sa.column("log_id"), sa.column("level"), sa.column("idx"), sa.column("hash"))
    for log_id, name, head_seq, head_hash in bind.execute(sa.text(
            "SELECT id, name, head_seq, head_hash FROM audit_log ORDER BY id")).all():
        rows = bind.execute(sa.text(f"SELECT {', '.join(FIELDS)} FROM audit_entry WHERE log_id = :log ORDER BY seq"),
                            {"log": log_id})
        entries = [dict(zip(FIELDS, row), log=name, payload=json.loads(row.payload)) for row in rows]
        problem = verify_chain(entries, name)
        if problem:
            raise RuntimeError(f"the audit log {name} does not verify at entry {problem.seq}: run "
                               "`flask --app pb audit verify` and tell the auditors before upgrading")
        size, prev = len(entries), entries[-1]["hash"] if entries else GENESIS_HASH
        if size != head_seq or prev != head_hash:
            raise RuntimeError(f"the audit log {name}'s recorded head does not match its last entry")
        leaves = [entry_leaf(entry) for entry in entries]
        nodes = grow(0, leaves, {})
        assert all(key in nodes for key in frontier(size))
        if nodes:
            bind.execute(node.insert(), [{"log_id": log_id, "level": level, "idx": idx, "hash": value}
                                         for (level, idx), value in nodes.items()])
        bind.execute(sa.text("UPDATE audit_log SET tree_size = :size WHERE id = :id"), {"size": size, "id": log_id})


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TABLE merkle_node")
        op.execute("DROP FUNCTION merkle_node_append_only()")
    else:
        op.drop_table('merkle_node')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('tree_size')
