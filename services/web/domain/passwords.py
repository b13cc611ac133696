"""What a password must be (NIST SP 800-63B: long, not common, not the username)."""

from __future__ import annotations

from shared.errors import DomainError, Refusal

MIN_LENGTH = 12
MAX_LENGTH = 256
# The most common passwords of at least twelve characters (breach corpora); a real deployment
# may add a larger list, the rule stays the same.
COMMON = frozenset(
    {
        "123456789012",
        "1234567890123",
        "qwertyuiopas",
        "qwerty123456",
        "password1234",
        "password12345",
        "passwordpassword",
        "iloveyou1234",
        "aaaaaaaaaaaa",
        "111111111111",
        "000000000000",
        "abcdefghijkl",
        "abc123abc123",
        "letmein12345",
        "welcome12345",
        "administrator",
        "qwertyqwerty",
        "1q2w3e4r5t6y",
        "football1234",
        "changeme1234",
    }
)


def check_new_password(password: str, confirm: str, *, username: str) -> str:
    """The password, or a refusal naming the field that is wrong."""
    problem: tuple[str, str] | None = None
    if len(password) < MIN_LENGTH:
        problem = ("password", "password-too-short")
    elif len(password) > MAX_LENGTH:
        problem = ("password", "password-too-long")
    elif password.lower() in COMMON or len(set(password)) < 4:
        problem = ("password", "password-too-common")
    elif username and username.lower() in password.lower():
        problem = ("password", "password-contains-username")
    elif password != confirm:
        problem = ("password_confirm", "password-mismatch")
    if problem is not None:
        field, code = problem
        raise DomainError(
            Refusal.INVALID, code, errors=[{"field": field, "code": code, "message": code}]
        )
    return password
