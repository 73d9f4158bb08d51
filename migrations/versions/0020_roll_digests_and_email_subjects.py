"""Data rights done precisely: the voter roll keeps a keyed digest of each voter's email address (so
an erased account registered again cannot vote twice in one round), and an email says whom, other
than its recipient, it names (so erasing one person rewrites only the emails about them).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from pb.ledger.services import personal_digest

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN and CREATE INDEX on both engines: voter_roll_entry keeps its ballot-box
    # triggers (a SQLite table rebuild would drop them).
    op.add_column("voter_roll_entry", sa.Column("person_digest", sa.String(length=48), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT r.id, u.email FROM voter_roll_entry r JOIN user_account u ON u.id = r.user_id "
                                "WHERE u.erased_at IS NULL")).all()
    for start in range(0, len(rows), 10_000):
        bind.execute(sa.text("UPDATE voter_roll_entry SET person_digest = :digest WHERE id = :id"),
                     [{"id": row_id, "digest": personal_digest(email)} for row_id, email in rows[start:start + 10_000]])
    op.create_index("uq_voter_roll_entry_round_id_person_digest", "voter_roll_entry", ["round_id", "person_digest"],
                    unique=True)
    with op.batch_alter_table("outbox_email") as batch_op:
        batch_op.add_column(sa.Column("about_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_outbox_email_about_user_id_user_account", "user_account", ["about_user_id"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_index("ix_outbox_email_about_user_id", ["about_user_id"])


def downgrade():
    with op.batch_alter_table("outbox_email") as batch_op:
        batch_op.drop_index("ix_outbox_email_about_user_id")
        batch_op.drop_constraint("fk_outbox_email_about_user_id_user_account", type_="foreignkey")
        batch_op.drop_column("about_user_id")
    op.drop_index("uq_voter_roll_entry_round_id_person_digest", table_name="voter_roll_entry")
    op.drop_column("voter_roll_entry", "person_digest")  # ALTER TABLE ... DROP COLUMN: the triggers stay
