"""Pabulib files: every shared instance reads, round-trips losslessly, and bad files are refused
with the line number and what is wrong."""
from pathlib import Path

import pytest

from pb.counting import APPROVAL, CUMULATIVE, ORDINAL, PabulibError, read, reads, writes
from pb.counting.pabulib import from_election

SHARED = Path(__file__).resolve().parents[3] / "shared" / "pabulib"
FILES = sorted(SHARED.glob("*.pb"))


def test_the_shared_instances_are_there():
    assert len(FILES) >= 27


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_every_shared_file_reads_and_round_trips(path):
    data = read(path)
    election = data.election
    assert election.num_voters == int(data.meta["num_votes"])
    assert len(election.projects) == int(data.meta["num_projects"])
    assert election.kind == {"approval": APPROVAL, "choose-1": APPROVAL, "cumulative": CUMULATIVE,
                             "ordinal": ORDINAL}[data.meta["vote_type"]]
    again = reads(writes(data))
    assert again.meta == data.meta  # every META key, in order
    assert again.project_columns == data.project_columns and again.vote_columns == data.vote_columns
    assert again.project_rows == [[cell.strip() for cell in row] for row in data.project_rows] or again.project_rows == data.project_rows
    assert again.vote_rows == data.vote_rows
    assert again.election.ballots == election.ballots and again.election.projects == election.projects


def test_extra_columns_and_quotes_survive():
    data = read(SHARED / "Switzerland_Zurich_D10.pb")
    assert "district_preference" in data.vote_columns and "category" in data.project_columns
    krakow = read(SHARED / "Poland_Krakow_2022_Stare_Miasto.pb")
    names = [p.name for p in krakow.election.projects.values()]
    assert 'Park Kieszonkowy "Olimpijka" - stwórzmy piękną przestrzeń' in names
    assert 'Park Kieszonkowy "Olimpijka"' in writes(krakow).replace('""', '"')


GOOD = """META
key;value
num_projects;2
num_votes;2
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
a;60;Allotment
b;50;Bus shelter
VOTES
voter_id;vote
1;a,b
2;b
"""


def test_a_good_small_file():
    election = reads(GOOD).election
    assert election.budget == 100 and election.ballots == [("a", "b"), ("b",)]


@pytest.mark.parametrize("change,line,message", [
    (lambda t: t.replace("PROJECTS\n", ""), 7, "META header has 2 columns (is the PROJECTS line missing before it?)"),
    (lambda t: t.replace("PROJECTS\nproject_id;cost;name\na;60;Allotment\nb;50;Bus shelter\n", ""), 7, "section VOTES where PROJECTS was expected"),
    (lambda t: t.split("VOTES")[0], 11, "the VOTES section is missing"),
    (lambda t: t.replace("2;b\n", "2;z\n"), 14, "votes for project z, which is not in PROJECTS"),
    (lambda t: t.replace("a;60;", "a;sixty;"), 9, "cost of project a 'sixty' is not a number"),
    (lambda t: t.replace("2;b\n", "1;b\n"), 14, "voter 1 appears twice"),
    (lambda t: t.replace("num_votes;2", "num_votes;3"), 15, "META num_votes says 3 but the file has 2 votes"),
    (lambda t: t.replace("b;50;Bus shelter", "a;50;Bus shelter"), 10, "project a appears twice"),
    (lambda t: t.replace("1;a,b", "1;a,b;extra"), 13, "3 values where the VOTES header has 2 columns"),
    (lambda t: t.replace("vote_type;approval", "vote_type;cumulative"), 12, "needs a points column"),
    (lambda t: t.replace("1;a,b", "1;a,a"), 13, "lists a project twice"),
])
def test_malformed_files_are_refused_with_the_line_and_the_reason(change, line, message):
    with pytest.raises(PabulibError) as caught:
        reads(change(GOOD))
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"line {line}: ")


def test_an_election_from_the_app_becomes_a_pabulib_file():
    election = reads(GOOD).election
    data = from_election(election, meta={"description": "Eastbrook 2027/28"})
    back = reads(writes(data)).election
    assert back.ballots == election.ballots and back.budget == 100
