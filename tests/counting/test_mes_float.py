"""The certified float runs behind mes-add1's speed: they must give exactly the exact engine's
outcome or give up, and a stretch of budget raises they certify must really repeat the outcome."""
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

from pb.counting import APPROVAL, Election, Project, count, read
from pb.counting.mes import MESProfile, Rational, mes_add1
from tests.counting.randoms import random_election

SHARED = Path(__file__).resolve().parents[3] / "shared" / "pabulib"


def profile_of(election):
    profile = MESProfile(election)
    return profile, Rational(election.budget) / profile.n


def exact_add1(election):
    """mes-add1 by its definition: an exact MES run at every k in turn."""
    profile, base = profile_of(election)
    supported = len(profile.free) + len(profile.candidates)
    best, k = [], 0
    while True:
        chosen, _ = profile.run(base + k)
        if sum(profile.costs[j] for j in chosen) > election.budget:
            return [profile.ids[j] for j in best]
        best = chosen
        if len(chosen) == supported:
            return [profile.ids[j] for j in best]
        k += 1


def test_float_runs_give_the_exact_outcome_or_none_on_random_instances():
    decided = undecided = 0
    for seed in range(150):
        election = random_election(seed)
        profile, base = profile_of(election)
        fast = profile.float_profile()
        for k in (0, 1, 3, 7):
            found = fast.run(base + k)
            exact, _ = profile.run(base + k)
            if found is None:
                undecided += 1
            else:
                decided += 1
                assert found[0] == exact, (seed, k)
    # the float runs decide almost every case, ties included; the rest go to the exact engine
    assert decided > 20 * undecided


def test_a_certified_stretch_of_budget_raises_repeats_the_outcome_at_every_k():
    certified = 0
    for seed in range(150):
        election = random_election(seed)
        profile, base = profile_of(election)
        fast = profile.float_profile()
        for start in (0, 3):
            first = fast.run(base + start)
            if first is None:
                continue
            for gap in (2, 5, 13):
                later = fast.run(base + start + gap, first[1])
                if later is None or not later[2]:
                    continue
                certified += 1
                for k in range(start, start + gap + 1):
                    assert profile.run(base + k)[0] == first[0], (seed, start, gap, k)
    assert certified > 40


def test_mes_add1_equals_its_definition_run_exactly_k_by_k():
    for seed in range(200):
        election = random_election(seed)
        assert mes_add1(election, explain=False)[0] == exact_add1(election), seed


def test_exact_ties_are_decided_by_the_tie_break_not_left_to_chance():
    """Two projects at exactly the same price (same cost, same number of supporters, who can all
    pay): the cheaper-first, more-votes, then id order decides, and the float run certifies it."""
    projects = {"b": Project("b", 300), "a": Project("a", 300), "c": Project("c", 900)}
    ballots = [("a",), ("b",), ("a", "c"), ("b", "c"), ("c",), ("a",), ("b",), ("c",), ("c",)]
    election = Election(projects, 900, APPROVAL, ballots)
    profile, base = profile_of(election)
    found = profile.float_profile().run(base)
    assert found is not None
    assert [profile.ids[j] for j in found[0]] == [profile.ids[j] for j in profile.run(base)[0]]
    assert count(election, "mes").selected[0] == "a"


def test_notes_say_how_many_runs_were_needed_and_how_many_k_were_proven():
    election = read(SHARED / "Poland_Wroclaw_2017.pb").election
    notes = count(election, "mes-add1", explain=False).notes
    assert notes["k"] == 152
    # every k from 0 to the first that overspends is either counted or proven
    assert notes["mes_runs"] + notes["k_proven_without_a_run"] >= notes["k"] + 2
    assert notes["k_proven_without_a_run"] > 50
    assert notes["exact_runs"] == 0


def test_outcomes_are_identical_without_numpy():
    """numpy only speeds the completion up: without it every run is exact, with the same outcome."""
    code = ("import sys; sys.modules['numpy'] = None\n"
            "from pb.counting import read, count\n"
            f"e = read({str(SHARED / 'Poland_Wieliczka_2023_Green_Budget.pb')!r}).election\n"
            "r = count(e, 'mes-add1', explain=False)\n"
            "assert r.notes['exact_runs'] == r.notes['mes_runs'], r.notes\n"
            "print(','.join(r.selected))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    election = read(SHARED / "Poland_Wieliczka_2023_Green_Budget.pb").election
    assert done.stdout.strip().split(",") == count(election, "mes-add1", explain=False).selected


def test_a_budget_with_pence_is_bracketed_exactly():
    """A starting budget that floats cannot hold exactly (1/3 of a penny) still gives the exact
    outcome: the float run carries the rounding in its error bounds."""
    projects = {"x": Project("x", Fraction(1000, 3)), "y": Project("y", Fraction(2000, 3))}
    ballots = [("x",), ("y",), ("x", "y")]
    election = Election(projects, 1000, APPROVAL, ballots)
    assert mes_add1(election, explain=False)[0] == exact_add1(election)
