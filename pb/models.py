"""Every model, imported in one place so Alembic and create_all see the whole schema."""
from pb.accounts.models import FailedAttempt, OneTimeToken, User, UserSession  # noqa: F401
from pb.assets.models import (  # noqa: F401
    Asset,
    AssetPhoto,
    AssetReminder,
    Bid,
    CouncilDecision,
    DateCorrection,
    FundRequest,
    Nomination,
    NominationSupporter,
    OtherFunding,
    Pledge,
    SaleNotice,
)
from pb.boards.models import (  # noqa: F401
    AgendaItem,
    BoardSeat,
    BoardSettings,
    Candidate,
    Concern,
    ConductAcceptance,
    ConductCode,
    Election,
    ElectionBallot,
    ElectionRoll,
    Meeting,
    MeetingAttendance,
    Motion,
    RegisterConfirmation,
    RegisterEntry,
)
from pb.consultations.models import (  # noqa: F401
    AreaGroup,
    AreaProfile,
    Consultation,
    ConsultationDraft,
    ConsultationKeying,
    ConsultationPaperBatch,
    ConsultationQuestion,
    ConsultationResponse,
    ConsultationRoll,
    ConsultationText,
    EngagementActivity,
)
from pb.following.models import Follower  # noqa: F401
from pb.funds.models import (  # noqa: F401
    DecisionApproval,
    Fund,
    FundSource,
    FundYear,
    Grant,
    GrantDecision,
    GrantInterest,
    GrantUpdate,
    GrantVersion,
    Milestone,
    Payment,
    SourcePromise,
    SourceReceipt,
    Tranche,
)
from pb.ledger.models import AuditEntry, AuditLog, Checkpoint  # noqa: F401
from pb.national.models import Allocation, AllocationShare, NeighbourhoodFigure, Programme, ProgrammeFigures  # noqa: F401
from pb.neighbourhoods.models import EligiblePostcode, Membership, Neighbourhood, VerificationLetter  # noqa: F401
from pb.plans.models import (  # noqa: F401
    LegacyItem,
    OutputReport,
    Plan,
    PlanApproval,
    PlanComment,
    PlanFile,
    PlanInterest,
    PlanReview,
    PlanVersion,
)
from pb.proposals.models import (  # noqa: F401
    Amendment,
    Comment,
    CommentFlag,
    CostLine,
    DeliberationEvent,
    InterestDeclaration,
    Proposal,
    ProposalAuthor,
    ProposalImage,
    ProposalVersion,
    Review,
    Support,
)
from pb.reports.models import (  # noqa: F401
    AgreementVersion,
    AnnualReport,
    BankStatement,
    Drawdown,
    FunderRepayment,
    FundingAgreement,
    MonitoringReturn,
    ReturnReminder,
    RiskEntry,
    ScheduleLine,
    StatementLine,
)
from pb.rounds.models import BoardDecision, Pot, Round, RoundPhase  # noqa: F401
from pb.voting.models import (  # noqa: F401  # noqa: F401
    Ballot,
    BallotBox,
    CountResult,
    DeclinedProject,
    PaperEntry,
    PaperEvent,
    PaperSerial,
    ResultApproval,
    VoterRollEntry,
    VotingCode,
)
