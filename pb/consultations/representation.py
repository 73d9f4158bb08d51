"""Who took part, set beside who lives there: per group of the area profile, the share of the
population, of those who answered a consultation, of voters in the last signed-off round (ages
from the voter roll, fixed at voting time) and of people counted in the engagement log."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from pb.extensions import db
from pb.neighbourhoods.models import Neighbourhood
from pb.rounds.models import Round
from pb.voting.models import CountResult, CountStatus, VoterRollEntry

from .engagement import activities, profile_of
from .models import AGE_BANDS, AGE_GROUP, Consultation, ConsultationResponse, ConsultationStatus, QuestionKind, age_band

# A group is named as under-represented when its share of those heard is this many percentage
# points or more below its share of the population.
GAP_POINTS = 5


@dataclass
class Series:
    name: str  # "those who answered ‘…’"
    counts: dict[str, int]  # band -> people
    total: int

    def share(self, band: str) -> float | None:
        return 100 * self.counts.get(band, 0) / self.total if self.total else None


@dataclass
class Comparison:
    grouping: str
    bands: list[str]
    population: Series
    heard: list[Series] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


def _consultation_series(consultation: Consultation, grouping: str, bands: list[str]) -> Series | None:
    question = next((q for q in consultation.questions if q.kind == QuestionKind.ABOUT and q.about_group == grouping),
                    None)
    if question is None:
        return None
    names = {i: o for i, o in enumerate(question.options or [])}
    lowered = {b.lower(): b for b in bands}
    counts: dict[str, int] = {}
    for answers in db.session.scalars(select(ConsultationResponse.answers).where(
            ConsultationResponse.consultation_id == consultation.id)):
        value = answers.get(str(question.id))
        if isinstance(value, int) and names.get(value, "").lower() in lowered:
            band = lowered[names[value].lower()]
            counts[band] = counts.get(band, 0) + 1
    return Series(f"those who answered ‘{consultation.title}’", counts, sum(counts.values()))


def last_signed_off_round(hood: Neighbourhood) -> Round | None:
    return db.session.scalar(select(Round).join(CountResult, CountResult.round_id == Round.id).where(
        Round.neighbourhood_id == hood.id, CountResult.status == CountStatus.APPROVED)
        .order_by(CountResult.created_at.desc()).limit(1))


def _voter_series(round_: Round) -> Series:
    counts: dict[str, int] = {}
    for voted_on, birth_year in db.session.execute(select(VoterRollEntry.voted_on, VoterRollEntry.birth_year).where(
            VoterRollEntry.round_id == round_.id, VoterRollEntry.birth_year.is_not(None))):
        band = age_band(voted_on.year - birth_year)
        counts[band] = counts.get(band, 0) + 1
    return Series(f"voters in {round_.name}", counts, sum(counts.values()))


def _engagement_series(hood: Neighbourhood) -> Series | None:
    counts: dict[str, int] = {}
    for row in activities(hood):
        for band, people in (row.by_age or {}).items():
            counts[band] = counts.get(band, 0) + people
    return Series("people counted at engagement activities", counts, sum(counts.values())) if counts else None


def consultations_to_compare(hood: Neighbourhood) -> list[Consultation]:
    """Those with results published first (newest first), then those still open or closed."""
    rows = db.session.scalars(select(Consultation).where(
        Consultation.neighbourhood_id == hood.id,
        Consultation.status.in_([ConsultationStatus.APPROVED, ConsultationStatus.CLOSED, ConsultationStatus.PUBLISHED]))
        .order_by(Consultation.closes_on.desc(), Consultation.id.desc())).all()
    return sorted(rows, key=lambda c: c.status != ConsultationStatus.PUBLISHED)


def compare(hood: Neighbourhood, consultation: Consultation | None) -> list[Comparison]:
    """One comparison per group of the area profile (age first); empty without a profile."""
    profile = profile_of(hood)
    if profile is None:
        return []
    groupings: dict[str, dict[str, int]] = {}
    for group in profile.groups:
        groupings.setdefault(group.grouping, {})[group.band] = group.population
    order = sorted(groupings, key=lambda g: (g != AGE_GROUP, g))
    voters_round = last_signed_off_round(hood)
    out = []
    for grouping in order:
        populations = groupings[grouping]
        bands = [b for b in AGE_BANDS if b in populations] if grouping == AGE_GROUP else list(populations)
        comparison = Comparison(grouping, bands, Series(f"people who live in {hood.name}", populations,
                                                        sum(populations.values())))
        if consultation is not None:
            answered = _consultation_series(consultation, grouping, bands)
            if answered is not None and answered.total:
                comparison.heard.append(answered)
        if grouping == AGE_GROUP:
            if voters_round is not None:
                voters = _voter_series(voters_round)
                if voters.total:
                    comparison.heard.append(voters)
            engaged = _engagement_series(hood)
            if engaged is not None:
                comparison.heard.append(engaged)
        for series in comparison.heard:
            for band in bands:
                if series.name.startswith("voters") and band == AGE_BANDS[0] and hood.min_voting_age >= 16:
                    continue  # too young to vote: not a gap in who was heard, but the rule
                lives, heard = comparison.population.share(band), series.share(band)
                if lives is not None and heard is not None and lives - heard >= GAP_POINTS:
                    who = (f"People {band.lower()}" if band.startswith("Under") else f"People aged {band}") \
                        if grouping == AGE_GROUP else f"People in the group ‘{band}’"
                    comparison.gaps.append(f"{who} are {round(lives)}% of {hood.name} but {round(heard)}% of "
                                           f"{series.name}.")
        out.append(comparison)
    return out
