import pytest

from app.auth.redirects import safe_next_path

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "candidate",
    ["/", "/lp-scorecards", "/lp/LP-1?start=2026-01-01T00:00:00Z&symbol=EURUSD", "/a/b/", "/%0a"],
)
def test_local_paths_are_kept(candidate: str) -> None:
    assert safe_next_path(candidate) == candidate


@pytest.mark.parametrize(
    "candidate",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "\\\\evil",
        "javascript:alert(1)",
        "evil.example/x",
        "/x\r\nSet-Cookie: a=b",
        "/login",
        "/login?next=/",
        "/logout",
        " /",
        "/" + "a" * 3000,
        "http:/evil.example",
    ],
)
def test_anything_else_becomes_the_home_page(candidate: str | None) -> None:
    assert safe_next_path(candidate) == "/"
