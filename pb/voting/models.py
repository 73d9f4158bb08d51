"""Voting: the voter roll (who voted, and how) kept apart from the ballots (what was chosen).

Nothing in a ballot row names or points to a person: its id is random, it has no timestamp and no
user id, and on SQLite it is stored in id order (WITHOUT ROWID), not in the order ballots arrived.
A ballot that may be replaced carries a keyed pseudonym, HMAC(server secret, round and person),
so the voter's next ballot can find and replace it; only someone holding both the database and
the secret in instance/ can compute it (see docs/privacy.md)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pb.extensions import db, with_triggers
from pb.states import State
from pb.timeutil import utcnow


class CountStatus(State):
    """A count's result: provisional until the board approves it; superseded by a recount."""

    PROVISIONAL = "provisional", "Waiting for the board's sign-off"
    APPROVED = "approved", "Approved by the board"
    SUPERSEDED = "superseded", "Replaced by a recount"


ONLINE, CODE, PAPER = "online", "code", "paper"
METHODS = {ONLINE: "Online", CODE: "Voting code", PAPER: "Paper"}


class VoterRollEntry(db.Model):
    """This resident has voted in this round, by this method. One per resident per round: the
    unique constraint is what makes a second ballot impossible, however requests race."""

    __tablename__ = "voter_roll_entry"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),
                      Index("uq_voter_roll_entry_round_id_person_digest", "round_id", "person_digest", unique=True))
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # A keyed digest of the voter's email address (pb.ledger.services.personal_digest), kept when the
    # account is erased: someone who erases their account, registers again with the same address and
    # is verified again is still on this round's roll, so the database refuses a second ballot.
    person_digest: Mapped[str | None] = mapped_column(String(48))
    method: Mapped[str] = mapped_column(String(10))
    voted_on: Mapped[date] = mapped_column(Date)  # a day, not a time: nothing to line up with ballots
    # For turnout by age band; a copy, so later account edits do not move it. Deleted (None) after the
    # retention period (flask privacy purge), once the published turnout no longer needs it.
    birth_year: Mapped[int | None]


class Ballot(db.Model):
    __tablename__ = "ballot"
    __table_args__ = (UniqueConstraint("round_id", "replace_key"), {"sqlite_with_rowid": False})
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, 128 bits
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    # {"<pot id>": [[proposal id, value], ...]}: value 1 for approval and knapsack, points for
    # cumulative, rank (1 = first) for ranking.
    choices: Mapped[dict] = mapped_column(JSON)
    replace_key: Mapped[str | None] = mapped_column(String(64))
    tracker_hash: Mapped[str] = mapped_column(String(64), unique=True)


class ReceiptNode(db.Model):
    """The round's receipts tree, stored when it is counted: level 0 holds each counted ballot's
    receipt leaf in sorted order, level L index i the complete subtree over leaves i * 2**L ..
    (i + 1) * 2**L - 1 (as the ledger's merkle_node). A receipt check then finds its leaf by index
    and reads O(log n) nodes, instead of hashing every ballot of the round on each request. Nothing
    here needs trusting: a proof only counts if its root is the one the signed count entry records."""

    __tablename__ = "receipt_node"
    # Finding a leaf by its hash: an index on the hash alone (receipt leaves are unique, as trackers
    # are), so that round_id leads only the primary key, which proofs read one level at a time.
    __table_args__ = (db.Index("ix_receipt_node_hash", "hash"),)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class BallotBox(db.Model):
    """Per round, how many residents are on the roll and how many ballots are in the box. Only the
    database's own triggers (below) write it, on every insert and delete of a roll entry or a
    ballot, and its CHECK refuses any change that would leave more ballots than voters: whatever a
    service gets wrong, one resident can never have two ballots counted. Paper ballots make the
    roll run ahead of the box (handed out, not yet keyed) but never behind it."""

    __tablename__ = "ballot_box"
    __table_args__ = (CheckConstraint("ballots <= roll_entries", name="ballots_within_roll"),
                      CheckConstraint("ballots >= 0", name="ballots_not_negative"))
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False)
    roll_entries: Mapped[int] = mapped_column(default=0)
    ballots: Mapped[int] = mapped_column(default=0)


class CountResult(db.Model):
    """The outcome of running the round's counting rule on its ballots: provisional until the
    board signs it off."""

    __tablename__ = "count_result"
    __table_args__ = (CountStatus.check("status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(30))
    ballots_sha256: Mapped[str] = mapped_column(String(64))  # digest of the exact ballot set counted
    ballot_count: Mapped[int]
    result: Mapped[dict] = mapped_column(JSON)  # per pot: selected in order, scores, costs, spent
    turnout: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default=CountStatus.PROVISIONAL)
    reason: Mapped[str] = mapped_column(Text, default="")  # why a recount happened
    counted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResultApproval(db.Model):
    """One board member's approval of one count result."""

    __tablename__ = "result_approval"
    __table_args__ = (UniqueConstraint("count_result_id", "member_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    count_result_id: Mapped[int] = mapped_column(ForeignKey("count_result.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeclinedProject(db.Model):
    """The board declined a selected project (it can no longer be delivered, say): the round is
    recounted without it and the freed money goes where the counting rule sends it."""

    __tablename__ = "declined_project"
    __table_args__ = (UniqueConstraint("round_id", "proposal_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    reason: Mapped[str] = mapped_column(Text)
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VotingCode(db.Model):
    """A one-time code printed for a verified resident, valid for one round: it opens a simple
    voting page without signing in. Only its SHA-256 is stored (80 random bits: no slow hash needed)."""

    __tablename__ = "voting_code"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    batch: Mapped[int]
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class PaperState(State):
    KEYED_ONCE = "keyed_once", "Keyed once: needs a second keying"
    MATCHED = "matched", "Matched"
    MISMATCH = "mismatch", "Mismatch: needs reconciling"
    RECONCILED = "reconciled", "Reconciled"
    SPOILT = "spoilt", "Spoilt"


KEYED_ONCE, MATCHED, MISMATCH, RECONCILED, SPOILT = PaperState
PAPER_STATES = PaperState.labels()


class PaperEvent(db.Model):
    """Where printed ballots with a run of serial numbers were handed out, and what came back."""

    __tablename__ = "paper_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    held_on: Mapped[date] = mapped_column(Date)
    first_serial: Mapped[int]
    last_serial: Mapped[int]
    returned: Mapped[int | None]  # ballots handed back, spoilt ones included
    outstanding: Mapped[int | None]  # ballots taken away and not returned
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    @property
    def issued(self) -> int:
        return self.last_serial - self.first_serial + 1


class PaperSerial(db.Model):
    """The state of one returned paper ballot, by the serial printed on it. Nothing here says who
    filled it in: the voter roll records only that a resident was given a paper ballot."""

    __tablename__ = "paper_serial"
    __table_args__ = (PaperState.check("status"), UniqueConstraint("round_id", "serial"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("paper_event.id", ondelete="CASCADE"), index=True)
    serial: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    spoilt_reason: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class PaperEntry(db.Model):
    """One facilitator's keying of one paper ballot. Every ballot is keyed by two different people."""

    __tablename__ = "paper_entry"
    __table_args__ = (UniqueConstraint("paper_serial_id", "keyed_by_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    paper_serial_id: Mapped[int] = mapped_column(ForeignKey("paper_serial.id", ondelete="CASCADE"), index=True)
    keyed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    choices: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# The ballot box's tally, kept by the database so no code path can bypass it: each table adds to
# or takes from its own column. The same statements run in migration 0008; they are here too so
# test databases built with create_all have them.
BOX_COUNTS = {"voter_roll_entry": "roll_entries", "ballot": "ballots"}
SQLITE_BOX_TRIGGERS, POSTGRES_BOX_TRIGGERS = [], []
for _table, _column in BOX_COUNTS.items():
    SQLITE_BOX_TRIGGERS += [
        f"CREATE TRIGGER {_table}_tally AFTER INSERT ON {_table} BEGIN "
        "INSERT INTO ballot_box (round_id, roll_entries, ballots) SELECT NEW.round_id, 0, 0 "
        "WHERE NOT EXISTS (SELECT 1 FROM ballot_box WHERE round_id = NEW.round_id); "
        f"UPDATE ballot_box SET {_column} = {_column} + 1 WHERE round_id = NEW.round_id; END",
        f"CREATE TRIGGER {_table}_untally AFTER DELETE ON {_table} BEGIN "
        f"UPDATE ballot_box SET {_column} = {_column} - 1 WHERE round_id = OLD.round_id; END",
        f"CREATE TRIGGER {_table}_stays_in_its_round BEFORE UPDATE OF round_id ON {_table} BEGIN "
        f"SELECT RAISE(ABORT, 'a {_table} row cannot move to another round'); END",
    ]
    # PostgreSQL counts per statement, from the statement's transition table: one UPDATE of the
    # round's row per INSERT, COPY or DELETE, however many rows it carries. (Row triggers would
    # update that one row once per ballot, and repeated updates of one row inside a transaction
    # cost more each time: a 100,000-ballot COPY took minutes instead of seconds.)
    _by_round = "(SELECT round_id, count(*) AS n FROM {rows} GROUP BY round_id) c WHERE b.round_id = c.round_id"
    POSTGRES_BOX_TRIGGERS += [
        f"CREATE FUNCTION {_table}_tally() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN "
        "INSERT INTO ballot_box (round_id, roll_entries, ballots) SELECT DISTINCT round_id, 0, 0 FROM new_rows "
        "ON CONFLICT (round_id) DO NOTHING; "
        f"UPDATE ballot_box b SET {_column} = b.{_column} + c.n FROM {_by_round.format(rows='new_rows')}; "
        f"ELSE UPDATE ballot_box b SET {_column} = b.{_column} - c.n FROM {_by_round.format(rows='old_rows')}; "
        "END IF; RETURN NULL; END $$",
        f"CREATE TRIGGER {_table}_tally AFTER INSERT ON {_table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {_table}_tally()",
        f"CREATE TRIGGER {_table}_untally AFTER DELETE ON {_table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {_table}_tally()",
        f"CREATE FUNCTION {_table}_fixed_round() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION 'a {_table} row cannot move to another round'; END $$",
        f"CREATE TRIGGER {_table}_stays_in_its_round BEFORE UPDATE OF round_id ON {_table} "
        f"FOR EACH ROW EXECUTE FUNCTION {_table}_fixed_round()",
    ]
# On the metadata, not a table: the triggers need ballot, voter_roll_entry and ballot_box all made.
with_triggers(db.metadata, SQLITE_BOX_TRIGGERS, POSTGRES_BOX_TRIGGERS)
