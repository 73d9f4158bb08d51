"""The ballot box tally: the database itself refuses more ballots than voters in a round.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:00:00

"""
from alembic import op
import sqlalchemy as sa

from pb.voting.models import BOX_COUNTS, POSTGRES_BOX_TRIGGERS, SQLITE_BOX_TRIGGERS

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ballot_box',
    sa.Column('round_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('roll_entries', sa.Integer(), nullable=False),
    sa.Column('ballots', sa.Integer(), nullable=False),
    sa.CheckConstraint('ballots <= roll_entries', name=op.f('ck_ballot_box_ballots_within_roll')),
    sa.CheckConstraint('ballots >= 0', name=op.f('ck_ballot_box_ballots_not_negative')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_ballot_box_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_ballot_box'))
    )
    bind = op.get_bind()
    # A database that already holds more ballots than voters in a round (the fault this table
    # closes) is not silently accepted: the operator must find out which round and why.
    over = bind.execute(sa.text(
        "SELECT r.id FROM round r WHERE (SELECT count(*) FROM ballot b WHERE b.round_id = r.id) > "
        "(SELECT count(*) FROM voter_roll_entry v WHERE v.round_id = r.id)")).scalars().all()
    if over:
        raise RuntimeError(f"Rounds {', '.join(map(str, over))} hold more ballots than voters on their roll. "
                           "Investigate them (flask --app pb audit export) before upgrading")
    op.execute("INSERT INTO ballot_box (round_id, roll_entries, ballots) "
               "SELECT r.id, (SELECT count(*) FROM voter_roll_entry v WHERE v.round_id = r.id), "
               "(SELECT count(*) FROM ballot b WHERE b.round_id = r.id) FROM round r "
               "WHERE EXISTS (SELECT 1 FROM voter_roll_entry v WHERE v.round_id = r.id)")
    for statement in POSTGRES_BOX_TRIGGERS if bind.dialect.name == "postgresql" else SQLITE_BOX_TRIGGERS:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in BOX_COUNTS:
        for name in ("tally", "untally", "stays_in_its_round"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_tally()")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_fixed_round()")
    op.drop_table('ballot_box')
