"""Response headers a browser and a cache act on: the strict CSP, Vary for htmx fragments,
no-store where a ballot, receipt or signed-in page is shown, and cookie flags."""
import pytest

from tests.factories import make_voting_round, sign_in

STRICT_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
              "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def test_every_page_carries_the_strict_content_security_policy(client, factory):
    round_ref, _ = make_voting_round(factory)
    for path in ("/", f"/n/{round_ref.hood.slug}/", "/sign-in", f"/n/{round_ref.hood.slug}/no-such-page"):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == STRICT_CSP, path
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_that_also_answer_htmx_fragments_vary_on_hx_request(client, factory):
    round_ref, _ = make_voting_round(factory)
    path = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}/proposals"
    whole = client.get(path)
    fragment = client.get(path, headers={"HX-Request": "true", "HX-Target": "proposal-results"})
    assert "<html" in whole.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    for response in (whole, fragment):
        assert "HX-Request" in response.headers["Vary"]


def test_ballot_receipt_and_signed_in_pages_are_never_stored(client, factory):
    round_ref, _ = make_voting_round(factory)
    base = f"/n/{round_ref.hood.slug}/rounds/{round_ref.id}"
    # Before signing in: the public code-vote and receipt pages still hold ballot matters.
    for path in (f"{base}/code-vote", f"{base}/receipt"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in client.get(f"/n/{round_ref.hood.slug}/").headers.get("Cache-Control", "")
    sign_in(client, factory.resident(round_ref.hood))
    for path in (f"{base}/vote", "/account", f"/n/{round_ref.hood.slug}/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def _cookies(response):
    return [h for h in response.headers.getlist("Set-Cookie")]


def test_session_cookie_is_httponly_and_samesite_on_plain_http(client, factory):
    person = factory.person()
    cookies = _cookies(sign_in(client, person))
    assert cookies, "signing in sets a cookie"
    for cookie in cookies:
        assert cookie.startswith("pb="), cookie
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie


@pytest.mark.config(PB_HTTPS="1")
def test_under_https_the_cookie_is_secure_and_host_only(app, factory):
    client = app.test_client()
    person = factory.person()
    response = client.post("/sign-in", data={"email": person.email, "password": person.password},
                           base_url="https://pb.test")
    assert response.status_code == 302
    cookies = _cookies(response)
    assert cookies
    for cookie in cookies:
        # __Host- means: Secure, Path=/, no Domain, so no other host (or subdomain) can set or read it.
        assert cookie.startswith("__Host-pb="), cookie
        attributes = [part.strip() for part in cookie.split(";")]
        assert "Secure" in attributes and "HttpOnly" in attributes and "SameSite=Lax" in attributes
        assert "Path=/" in attributes
        assert not any(a.lower().startswith("domain=") for a in attributes)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
