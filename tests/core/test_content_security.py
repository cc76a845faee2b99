"""The Content-Security-Policy header (core.content_security, settings.CONTENT_SECURITY_POLICY) without a
browser: on every page, strict, and widened only on the paths CSP_PATH_EXCEPTIONS names."""

import pytest

from core.content_security import inline_hashes, path_exception


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/store/account/login/", "/store/products/", "/admin/login/", "/livez"])
def test_pages_get_the_strict_policy(client, catalog, path):
    response = client.get(path)
    assert response.status_code == 200 and directives(response) == STRICT


@pytest.mark.django_db
def test_a_not_found_page_gets_it_too(client):
    response = client.get("/store/no-such-page/")
    assert response.status_code == 404 and directives(response) == STRICT


def test_only_their_own_paths_get_an_exception():
    assert path_exception("/store/account/orders/") == {} == path_exception("/admin/orders/order/")
    assert path_exception("/api/redoc/")["worker-src"] == ["'self'", "blob:"]
    assert path_exception("/api/v1/me/orders/") == {"style-src": ["'unsafe-inline'"]}
    for path in ("/api/redoc/", "/api/v1/me/orders/", "/dev/mailbox/1/", "/django-rq/"):
        assert "'unsafe-inline'" not in path_exception(path).get("script-src", [])


def test_django_rq_pages_run_their_own_inline_scripts_by_hash_and_nothing_else(staff_client):
    policy = directives(staff_client.get("/django-rq/"))
    scripts = policy["script-src"]
    assert scripts[0] == "'self'" and len(scripts) > 1
    assert all(source.startswith("'sha256-") for source in scripts[1:])
    assert policy["style-src"][0] == "'self'" and "'unsafe-inline'" not in policy["style-src"]


def test_inline_hashes_hash_verbatim_code_only(tmp_path, monkeypatch):
    package = tmp_path / "someapp"
    (package / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "templates" / "page.html").write_text(
        '<script>go();</script><script src="/x.js"></script><script>{{ data }}</script>'
        '<style>p{margin:0}</style><p style="color: red;"></p><p style="{{ s }}"></p>'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    found = inline_hashes("someapp")
    # sha256 of "go();", "p{margin:0}" and "color: red;" (`echo -n … | openssl dgst -sha256 -binary | base64`)
    assert found == {
        "script-src": ["'sha256-bYOqbsii8BMz1hC57p5sZG4K4cMuk6QQDiwupM2aRMM='"],
        "style-src": [
            "'sha256-QRQPRLGyxt3RJiKpYNjpkgHcmHU2PywsfL2e8oI0LQA='",
            "'unsafe-hashes'",
            "'sha256-ZBTj5RHLnrF+IxdRZM2RuLfjTJQXNSi7fLQHr09onfY='",
        ],
    }
    assert inline_hashes("no_such_package_here") == {}
