from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Regexp, ValidationError

from qms.core.forms import REQUIRED, ChoiceField, max_length
from qms.core.mail import NOTIFY_DAILY, NOTIFY_IMMEDIATELY
from qms.core.roles import AGENCY_ROLES, Role

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("New password"), validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("The passwords differ."))],
    )


class NotificationForm(FlaskForm):
    notify = ChoiceField(
        _l("Tell me of what waits for me"),
        choices=[
            (NOTIFY_IMMEDIATELY, _l("Immediately: one e-mail per event")),
            (NOTIFY_DAILY, _l("Once a day: a daily digest")),
        ],
        validators=[DataRequired(REQUIRED)],
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(REQUIRED), max_length(100)])


class UserForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(REQUIRED),
            Regexp(EMAIL_PATTERN, message=_l("Enter a valid e-mail address.")),
            max_length(255),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), max_length(200)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(REQUIRED)])
    locale = ChoiceField(_l("Language"), choices=[("id", "Bahasa Indonesia"), ("en", "English")])


class UserEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), max_length(200)])
    active = BooleanField(_l("Active"))


class RoleForm(FlaskForm):
    """A role with its scope; the choices are what the administrator may hand out."""

    role = ChoiceField(_l("Role"), validators=[DataRequired(REQUIRED)])
    city_id = ChoiceField(_l("City"), coerce=int, default=0, description=_l("For city-wide roles."))
    agency_id = ChoiceField(
        _l("Agency"),
        coerce=int,
        default=0,
        description=_l("For quality officers, and the home agency of internal auditors."),
    )
    confirm_wide = BooleanField(
        _l("I confirm: this role reaches beyond one agency (a whole city, or every city)."),
    )

    def __init__(self, *args, choices: dict[str, list] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, options in (choices or {}).items():
            getattr(self, name).choices = options
        # no role is chosen for the administrator: the first offered is the most powerful
        self.role.choices = [("", _l("— choose a role —")), *(self.role.choices or [])]

    def validate_confirm_wide(self, field: BooleanField) -> None:
        """A role over more than one agency is handed out only when confirmed."""
        try:
            role = Role(self.role.data)
        except ValueError:
            return  # the role field says what is wrong
        if role not in AGENCY_ROLES and not field.data:
            raise ValidationError(
                _l("This role reaches beyond one agency: tick the confirmation to grant it.")
            )


class NewUserForm(UserForm, RoleForm):
    """A new account with its first role."""


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(REQUIRED)])
