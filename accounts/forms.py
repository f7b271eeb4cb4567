"""The forms of signing in, changing a password, and an account."""

from flask_babel import lazy_gettext as _l

from core.errors import Invalid
from core.forms import (
    AdminForm,
    BooleanField,
    IdField,
    Matches,
    MaxLength,
    OneOf,
    PasswordField,
    Required,
    TextField,
    refusal,
)
from org.models import Role

from .operations import USERNAME, check_password_rules


class LoginForm(AdminForm):
    """Whether the name and password are right is the sign-in's to say, in one message for both."""

    id_prefix = "login"
    username = TextField(
        _l("Username"),
        [Required(None)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(_l("Password"), [Required(None)], render_kw={"autocomplete": "current-password"})


def _password_rules(field, field_name: str, username: str) -> None:
    """The rules every password meets (``accounts``: the command line's accounts meet them too)."""
    try:
        check_password_rules(field.data or "", username, field=field_name)
    except Invalid as error:
        code, params = error.fields[field_name]
        raise refusal(code, **params) from None


class PasswordForm(AdminForm):
    """One's own new password. Whether ``current`` is right, and the new one different from it,
    only the stored hash can tell (``change_password``)."""

    id_prefix = "password"
    current = PasswordField(
        _l("Current password"), [Required("password_wrong")], render_kw={"autocomplete": "current-password"}
    )
    new = PasswordField(
        _l("New password"),
        [Required(None)],
        description=_l("At least 10 characters. A few words you can remember are best."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(_l("New password again"), [Required(None)], render_kw={"autocomplete": "new-password"})

    def __init__(self, *args, username: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.username = username

    def validate_new(self, field):
        _password_rules(field, "new", self.username)

    def validate_confirm(self, field):
        if field.data != self.new.data:
            raise refusal("password_mismatch")


ROLES = [role.value for role in Role]


class UserForm(AdminForm):
    """An account. What it is linked to (a supervisor's unit, an officer's NIP) the operation
    checks against the database (``accounts``)."""

    username = TextField(
        _l("Username"),
        [Required("username_format"), Matches(USERNAME.pattern, "username_format")],
        render_kw={"autocomplete": "off"},
    )
    name = TextField(_l("Name"))
    role = TextField(_l("Role"), [Required("choice"), OneOf(ROLES)])
    unit_id = IdField(_l("Unit (supervisors)"))
    officer_nip = TextField(
        _l("Officer's NIP (officers; supervisors who appraise)"), render_kw={"inputmode": "numeric"}
    )


class NewUserForm(UserForm):
    password = PasswordField(
        _l("Password"),
        [Required(None)],
        description=_l("At least 10 characters. Give it to the person in private; they can change it."),
        render_kw={"autocomplete": "new-password"},
    )
    active = BooleanField(_l("Active"), default=True)

    def validate_password(self, field):
        _password_rules(field, "password", self.username.data or "")


class EditUserForm(UserForm):
    active = BooleanField(_l("Active"), default=True)
    new_password = PasswordField(_l("New password (leave empty to keep)"), render_kw={"autocomplete": "new-password"})

    def validate_new_password(self, field):
        if field.data:
            _password_rules(field, "new_password", self.username.data or "")


_PIN_FIELD = dict(
    filters=[lambda pin: pin.strip() if pin else pin],
    render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": "8", "pattern": "[0-9]*"},
)


class SetupForm(AdminForm):
    """The officer's own password and kiosk PIN, with the code of their set-up link. Whether the
    code opens a link, and the PIN is not too easy, the operation says (``accounts.setup``)."""

    id_prefix = "setup"
    code = TextField(
        _l("Set-up code"),
        [Required(None)],
        description=_l("The 12 letters and digits on your slip; dashes do not matter."),
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("New password"),
        [Required(None)],
        description=_l("At least 10 characters. A few words you can remember are best."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(_l("New password again"), [Required(None)], render_kw={"autocomplete": "new-password"})
    pin = PasswordField(
        _l("Kiosk PIN"),
        [Required("pin_format"), Matches(r"^[0-9]{4,8}$", "pin_format")],
        description=_l("4 to 8 digits, to start and end duty at the kiosk. Tell it to nobody."),
        **_PIN_FIELD,
    )
    pin_confirm = PasswordField(_l("Kiosk PIN again"), [Required(None)], **_PIN_FIELD)

    def __init__(self, *args, username: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.username = username

    def validate_password(self, field):
        _password_rules(field, "password", self.username)

    def validate_confirm(self, field):
        if field.data != self.password.data:
            raise refusal("password_mismatch")

    def validate_pin_confirm(self, field):
        if field.data != self.pin.data:
            raise refusal("pin_mismatch")


class OwnPinForm(AdminForm):
    """An officer's new kiosk PIN, proven with the current PIN or the account's password."""

    id_prefix = "own-pin"
    current = PasswordField(
        _l("Current PIN or password"), [Required("pin_wrong")], render_kw={"autocomplete": "current-password"}
    )
    new = PasswordField(
        _l("New PIN"),
        [Required("pin_format"), Matches(r"^[0-9]{4,8}$", "pin_format")],
        description=_l("4 to 8 digits, to start and end duty at the kiosk. Tell it to nobody."),
        **_PIN_FIELD,
    )
    confirm = PasswordField(_l("New PIN again"), [Required(None)], **_PIN_FIELD)

    def validate_confirm(self, field):
        if field.data != self.new.data:
            raise refusal("pin_mismatch")


class ResetForm(AdminForm):
    """A new set-up link for an officer; sent by e-mail to ``email`` when given (and the server
    can send mail), else printed on a slip."""

    id_prefix = "reset"
    email = TextField(
        _l("E-mail address (optional)"),
        [MaxLength(254), Matches(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "email_format")],
        description=_l("The link is sent there. Leave it empty to print a slip instead."),
        input_type="email",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class OnboardForm(AdminForm):
    """Accounts (or new links) for the officers of one unit, or of every unit one manages."""

    id_prefix = "onboard"
    unit_id = IdField(_l("Unit"))
