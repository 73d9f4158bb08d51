"""Voting, by operation: casting (the ballot, eligibility, online and code voting), paper
(paper ballots), tally (counting, receipts, exports) and signoff (the board). Callers may import
from here or from the module itself."""
from .casting import (  # noqa: F401
    MAX_CODES_PER_BATCH,
    age_in,
    ballot_rules,
    ballot_sections,
    cast_ballot,
    cast_with_code,
    check_ballot,
    code_candidates,
    has_voted,
    issue_codes,
    receipt_status,
    replace_key,
    resident_for_code,
    stored_choices,
    tracker_hash,
    why_not_again,
    why_not_eligible,
)
from .paper import (  # noqa: F401
    add_paper_event,
    give_paper_ballot,
    key_paper_ballot,
    paper_problems,
    reconcile_paper_ballot,
    record_returns,
    spoil_paper_ballot,
)
from .signoff import (  # noqa: F401
    approvals,
    approve_result,
    board_members,
    conflicts,
    decline_project,
    quorum,
    register_matches,
)
from .tally import (  # noqa: F401
    AGE_BANDS,
    ballots_digest,
    count_round,
    current_result,
    election_for,
    pabulib_export,
    proposal_records,
    receipt_leaves,
    receipt_proof,
    results_csv,
    round_receipt_leaves,
    turnout,
)
