"""A round too large to pack inside a request: the auditor asks for its pack, the job worker builds
it, and the audit page lists it, ready to download and verify."""
from __future__ import annotations

import pytest

from pb.audit.pack import verify_pack
from pb.neighbourhoods.models import AUDITOR
from pb.voting import services as voting
from tests.factories import _round, _user, make_voting_round, sign_in


@pytest.mark.config(PB_PACK_IN_REQUEST_BALLOTS=2)  # three ballots: too many to build while the auditor waits
def test_a_large_rounds_pack_is_built_by_a_job_and_listed_when_ready(app, factory, tmp_path):
    round_ref, ids = make_voting_round(factory, ballot_type="approval")
    for n in range(3):
        voter = factory.resident(round_ref.hood)
        with app.app_context():
            voting.cast_ballot(_round(round_ref), _user(voter), {round_ref.pot_ids[1]: [str(ids[1 + n % 3])]})
    client = app.test_client()
    sign_in(client, factory.with_role(round_ref.hood, AUDITOR))
    base = f"/n/{round_ref.hood.slug}/audit"
    link = f"{base}/rounds/{round_ref.id}/pack.sqlite"
    page = client.get(base).get_data(as_text=True)
    assert "too large to build while you wait" in page and f'href="{link}"' not in page and "Prepare the pack" in page
    refused = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "too large to build while you wait: use ‘Prepare the pack’ below" in refused
    # Jobs run at once in the tests; under a worker the page says so until the pack is ready.
    done = client.post(f"{base}/rounds/{round_ref.id}/prepare-pack", follow_redirects=True).get_data(as_text=True)
    assert "is being prepared" in done and f'href="{link}"' in done and "prepared " in done
    response = client.get(link)
    assert response.status_code == 200
    path = tmp_path / "downloaded.sqlite"
    path.write_bytes(response.data)
    report = verify_pack(path)
    assert report.ok, report
    assert not list((tmp_path / "instance" / "packs" / round_ref.hood.slug).glob(".building*"))
