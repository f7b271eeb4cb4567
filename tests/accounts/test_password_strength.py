"""A password must not be common or easy to guess (zxcvbn's estimate, in
``accounts.operations.check_password_rules``), however the account gets it: one's own new
password, an administrator's new account or reset, the command line."""

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from accounts.operations import PASSWORD_MIN, check_password_rules
from core.db import db
from core.errors import Invalid
from org.models import Role, User
from tests.factories import PASSWORD, make_user, refused, sign_in

# Long enough, and still among the first a guesser tries.
COMMON = [
    "1234567890",
    "12345678901234",
    "password123",
    "Password1!",
    "qwertyuiop",
    "passwordpassword",
    "xxxxxxxxxxxx",
    "admin12345",
    "indonesia123",
    "jakarta2026",
    "1q2w3e4r5t",
]

WEAK_MESSAGES = (
    "This password is too common or too easy to guess. A few unrelated words you can remember are best.",
    (
        "Kata sandi ini terlalu umum atau terlalu mudah ditebak. Sebaiknya gunakan beberapa kata yang tidak "
        "saling berkaitan dan mudah Anda ingat."
    ),
)


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused(password):
    assert len(password) >= PASSWORD_MIN
    with pytest.raises(Invalid) as error:
        check_password_rules(password, "siti")
    assert error.value.fields == {"password": ("password_weak", {})}


LONG = "sebuah kalimat panjang tentang pelayanan di kantor kecamatan, dibaca tiap pagi oleh petugas loket"


@pytest.mark.parametrize(
    "password", ["correct horse battery", "kata sandi saya", "suara-petugas-2026", "Loket3 buka jam 8 pagi", LONG]
)
def test_passphrases_pass(password):
    check_password_rules(password, "siti")


def test_the_estimate_knows_the_account_it_is_for():
    # Built on the person's own name: weak for them, even though the username is not in it whole.
    check_password_rules("sitinurhaliza1", "budi")
    with pytest.raises(Invalid):
        check_password_rules("sitinurhaliza1", "sitinurhaliza")


def test_short_passwords_are_refused_first():
    with pytest.raises(Invalid) as error:
        check_password_rules("Zq9#", "siti")
    assert error.value.fields == {"password": ("password_short", {"min": PASSWORD_MIN})}


def test_a_common_new_password_is_refused_in_place(client, ctx):
    user = make_user(Role.OFFICER)
    sign_in(client, user)
    refused(
        client,
        "/admin/password",
        {"current": PASSWORD, "new": "1234567890", "confirm": "1234567890"},
        "password-new",
        *WEAK_MESSAGES,
    )
    db.session.expire_all()
    assert check_password_hash(db.session.get(User, user.id).password_hash, PASSWORD)


def test_an_administrator_cannot_give_a_common_password(client, ctx, counter):
    admin = make_user(Role.ADMIN)
    sign_in(client, admin)
    before = counter(User)
    refused(
        client,
        "/admin/users",
        {"username": "rina", "role": "admin", "password": "password123", "active": "1"},
        "user-new-password",
        *WEAK_MESSAGES,
    )
    assert counter(User) == before
    other = make_user(Role.ADMIN)
    refused(
        client,
        f"/admin/users/{other.id}/edit",
        {"username": other.username, "role": "admin", "active": "1", "new_password": "qwertyuiop"},
        f"user-{other.id}-new_password",
        *WEAK_MESSAGES,
    )
    db.session.expire_all()
    assert check_password_hash(db.session.get(User, other.id).password_hash, PASSWORD)


def test_the_command_line_refuses_a_common_password(runner, ctx):
    result = runner.invoke(args=["create-admin", "--username", "pusat", "--password", "1234567890"])
    assert result.exit_code != 0 and "terlalu umum" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
