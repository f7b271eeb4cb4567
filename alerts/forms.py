"""The forms of alerts: a unit's setting of one rule (its fields follow the rule's thresholds in
``alerts.rules.RULES``), and the comment that acknowledges an alert."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms.validators import StopValidation

from core.forms import AdminForm, BooleanField, Checked, IntegerField, TextAreaField, TextField

from .errors import AlertError
from .operations import MAX_COMMENT, check_emails
from .rules import RULES, Param, Rule
from .webhooks import check_webhook_url


class Needed:
    """A value must be given; ``code``: the AlertError message shown when it is not."""

    field_flags = {"required": True}

    def __init__(self, code: str, **params):
        self.code, self.params = code, params

    def __call__(self, form, field):
        if field.process_errors:
            raise StopValidation()  # something was typed, and its message is already there
        if field.data is None or field.data == "":
            raise StopValidation(AlertError.text(self.code, self.params))


class Within:
    def __init__(self, param: Param):
        self.param = param

    def __call__(self, form, field):
        if field.data is not None and not self.param.minimum <= field.data <= self.param.maximum:
            raise StopValidation(AlertError.text("param_range", {"min": self.param.minimum, "max": self.param.maximum}))


def _max_comment(text: str) -> None:
    if len(text) > MAX_COMMENT:
        raise AlertError("comment_long", max=MAX_COMMENT)


class AcknowledgeForm(AdminForm):
    comment = TextAreaField(
        _l("What was done"),
        [Needed("comment_required"), Checked(_max_comment)],
        description=_l("Kept with the alert and in the audit log."),
        render_kw={"maxlength": MAX_COMMENT},
    )


def _webhook(url: str) -> str:
    return check_webhook_url(url, bool(current_app.config.get("ALERTS_WEBHOOK_LOOPBACK", False)))


class SettingForm(AdminForm):
    """A unit's setting of one rule; ``setting_form(rule)`` adds the rule's thresholds."""

    rule: Rule
    enabled = BooleanField(_l("Switched on"))

    @property
    def params(self) -> dict:
        return {param.name: self[param.name].data for param in self.rule.params}


def _setting_form_class(rule: Rule) -> type[SettingForm]:
    fields: dict = {"rule": rule}
    for param in rule.params:
        fields[param.name] = IntegerField(
            param.label,
            [Needed("param_range", min=param.minimum, max=param.maximum), Within(param)],
            render_kw={"min": param.minimum, "max": param.maximum, "inputmode": "numeric"},
        )
    # Declared after the thresholds, so that the form lists them in this order.
    fields["emails"] = TextField(
        _l("Also send by e-mail to"),
        [Checked(check_emails)],
        description=_l("E-mail addresses separated by commas; empty: shown in the product only."),
        render_kw={"maxlength": 1000, "autocomplete": "off"},
    )
    fields["webhook_url"] = TextField(
        _l("Also send to a webhook"),
        [Checked(_webhook)],
        description=_l("An http:// or https:// address that receives each alert as JSON (a chat or paging service)."),
        render_kw={"maxlength": 500, "autocomplete": "off", "inputmode": "url"},
    )
    return type(f"SettingForm_{rule.code}", (SettingForm,), fields)


SETTING_FORMS = {code: _setting_form_class(rule) for code, rule in RULES.items()}


def setting_form(rule: str, setting=None) -> SettingForm:
    """The form of ``rule``: as posted, or showing ``setting`` (an operations.Setting)."""
    form_class = SETTING_FORMS[rule]
    if setting is None:
        return form_class(id_prefix=f"rule-{rule}")
    data = {"enabled": setting.enabled, "emails": ", ".join(setting.emails), "webhook_url": setting.webhook_url}
    return form_class.blank(id_prefix=f"rule-{rule}", **data, **setting.params)
