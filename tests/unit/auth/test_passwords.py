import pytest

from app.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from app.auth.tokens import hash_token, new_token

pytestmark = pytest.mark.unit


def test_a_password_verifies_against_its_argon2id_hash() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse battery ")
    assert not needs_rehash(stored)


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password("correct horse battery") != hash_password("correct horse battery")


@pytest.mark.parametrize("stored", ["", "not-a-hash", "$argon2id$v=19$m=1$garbage"])
def test_a_malformed_hash_never_verifies(stored: str) -> None:
    assert not verify_password(stored, "anything at all")


def test_an_absurdly_long_password_is_refused_without_hashing() -> None:
    stored = hash_password("correct horse battery")
    assert not verify_password(stored, "x" * 100_000)


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("a" * MIN_PASSWORD_LENGTH, True),
        ("a" * (MIN_PASSWORD_LENGTH - 1), False),
        (" leading-space-pw", False),
        ("x" * 2000, False),
    ],
)
def test_password_policy(password: str, ok: bool) -> None:
    assert (password_problem(password) is None) is ok


def test_tokens_are_random_urlsafe_and_stored_as_sha256_hex() -> None:
    token = new_token()
    assert len(token) == 43 and token != new_token()
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    digest = hash_token(token)
    assert len(digest) == 64 and digest == hash_token(token)
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
