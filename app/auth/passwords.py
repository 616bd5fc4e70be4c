"""Password hashing with argon2id (the argon2-cffi defaults, which follow RFC 9106)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
"""Upper bound so that a megabyte-long "password" cannot be used to burn server CPU."""

_hasher = PasswordHasher()

# Verified against when the e-mail address is unknown, so that a failed sign-in takes the same
# time whether or not the account exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` in PHC string format (salt and parameters included)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; False for a malformed hash."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def burn_verification_time(password: str) -> None:
    """Spend as long as a real verification does (for unknown accounts)."""
    verify_password(_DUMMY_HASH, password[:MAX_PASSWORD_LENGTH])


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's and should be redone."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable for a new account, or None when it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password must have at most {MAX_PASSWORD_LENGTH} characters"
    if password.strip() != password:
        return "the password must not start or end with white space"
    return None
