"""A national programme (e.g. the Community Wealth Fund) shared between neighbourhoods by a
published formula, not by bidding: its figures for each year (population and deprivation score of
every neighbourhood) and the allocation confirmed from them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.extensions import db
from pb.money import financial_years
from pb.timeutil import utcnow


class Programme(db.Model):
    __tablename__ = "programme"
    __table_args__ = (CheckConstraint("years BETWEEN 1 AND 15", name="programme_years"),
                      CheckConstraint("population_weight + deprivation_weight = 100", name="programme_weights"))
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    first_year: Mapped[str] = mapped_column(String(7))  # "2027/28"
    years: Mapped[int]
    annual_amount: Mapped[int] = mapped_column(BigInteger)  # pence a year (national sums pass 2^31 pence)
    base_amount: Mapped[int] = mapped_column(BigInteger)  # pence per neighbourhood per year, before the shares
    population_weight: Mapped[int]  # whole percentages, adding up to 100
    deprivation_weight: Mapped[int]
    # A framework every neighbourhood's plan must follow (pb.frameworks), or None: each chooses.
    required_framework: Mapped[str | None] = mapped_column(String(40))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    figures = relationship("ProgrammeFigures", back_populates="programme", order_by="ProgrammeFigures.financial_year")
    allocations = relationship("Allocation", back_populates="programme", order_by="Allocation.financial_year")

    @property
    def financial_years(self) -> list[str]:
        return financial_years(self.first_year, self.years)


class ProgrammeFigures(db.Model):
    """One year's published inputs, imported from a CSV (replaced freely until allocated)."""

    __tablename__ = "programme_figures"
    __table_args__ = (UniqueConstraint("programme_id", "financial_year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7))
    sha256: Mapped[str] = mapped_column(String(64))  # of the rows as published (figures.csv)
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    programme = relationship("Programme", back_populates="figures")
    # Loaded whole, with their neighbourhoods, in two queries however many neighbourhoods there are.
    rows = relationship("NeighbourhoodFigure", cascade="all, delete-orphan", order_by="NeighbourhoodFigure.id",
                        lazy="selectin")


class NeighbourhoodFigure(db.Model):
    __tablename__ = "neighbourhood_figure"
    __table_args__ = (UniqueConstraint("figures_id", "neighbourhood_id"),
                      CheckConstraint("population > 0 AND score_milli >= 0", name="figure_values"))
    id: Mapped[int] = mapped_column(primary_key=True)
    figures_id: Mapped[int] = mapped_column(ForeignKey("programme_figures.id", ondelete="CASCADE"), index=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    region: Mapped[str] = mapped_column(String(60))
    population: Mapped[int]
    score_milli: Mapped[int]  # the deprivation score x 1000, exact

    neighbourhood = relationship("Neighbourhood", lazy="joined")

    @property
    def score(self) -> str:
        return f"{self.score_milli / 1000:.3f}"


class Allocation(db.Model):
    """A year's allocation, confirmed once: each neighbourhood's share, as its fund received it."""

    __tablename__ = "allocation"
    __table_args__ = (UniqueConstraint("programme_id", "financial_year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7))
    figures_id: Mapped[int] = mapped_column(ForeignKey("programme_figures.id"))
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)

    programme = relationship("Programme", back_populates="allocations")
    figures = relationship("ProgrammeFigures")
    shares = relationship("AllocationShare", cascade="all, delete-orphan", order_by="AllocationShare.id", lazy="selectin")


class AllocationShare(db.Model):
    __tablename__ = "allocation_share"
    __table_args__ = (UniqueConstraint("allocation_id", "neighbourhood_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("allocation.id", ondelete="CASCADE"), index=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True)
    base: Mapped[int]
    by_population: Mapped[int]
    by_deprivation: Mapped[int]

    neighbourhood = relationship("Neighbourhood", lazy="joined")

    @property
    def total(self) -> int:
        return self.base + self.by_population + self.by_deprivation
