"""The storefront's forms (Flask-WTF, so every one carries a CSRF token)."""

import re
import uuid

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, PasswordField, StringField
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from shop_monolith.basket.facade import MAX_QUANTITY

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _digits_only(value: str | None) -> str | None:
    return re.sub(r"[\s-]", "", value) if isinstance(value, str) else value


def _upper(value: str | None) -> str | None:
    return value.strip().upper() if isinstance(value, str) else value


class Form(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type hints
    """A form with a CSRF token, checked by CSRFProtect before any view runs."""


def _no_nul(_form: Form, field: StringField) -> None:
    if field.data and "\x00" in field.data:
        raise ValidationError("Must not contain NUL characters.")


class QuantityForm(Form):
    quantity = IntegerField(
        "Quantity",
        default=1,
        validators=[
            InputRequired("Enter a quantity."),
            NumberRange(1, MAX_QUANTITY, f"Choose between 1 and {MAX_QUANTITY}."),
        ],
    )


class LoginForm(Form):
    email = EmailField("Email", filters=[_strip], validators=[InputRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=128)])
    next = HiddenField()


class RegisterForm(Form):
    name = StringField(
        "Name", filters=[_strip], validators=[InputRequired(), Length(1, 100), _no_nul]
    )
    email = EmailField(
        "Email",
        filters=[_strip],
        validators=[InputRequired(), Length(max=254), Email("Enter a valid email address.")],
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired(), Length(8, 128, "Use 8 to 128 characters."), _no_nul],
    )
    next = HiddenField()


class KeyedForm(Form):
    """A form that moves money: one Idempotency-Key per render, so a resubmit is harmless."""

    idempotency_key = HiddenField(
        validators=[InputRequired(), Regexp(_IDEMPOTENCY_KEY, message="Reload the page.")]
    )

    def with_new_key(self) -> "KeyedForm":
        self.idempotency_key.data = str(uuid.uuid4())
        return self


class CheckoutForm(KeyedForm):
    name = StringField(
        "Full name", filters=[_strip], validators=[InputRequired(), Length(1, 100), _no_nul]
    )
    line1 = StringField(
        "Address", filters=[_strip], validators=[InputRequired(), Length(1, 200), _no_nul]
    )
    line2 = StringField(
        "Address line 2", filters=[_strip], validators=[Optional(), Length(max=200), _no_nul]
    )
    postal_code = StringField(
        "Postal code", filters=[_strip], validators=[InputRequired(), Length(1, 16), _no_nul]
    )
    city = StringField(
        "City", filters=[_strip], validators=[InputRequired(), Length(1, 100), _no_nul]
    )
    country = StringField(
        "Country code",
        filters=[_upper],
        validators=[InputRequired(), Regexp(r"^[A-Z]{2}$", message="Two letters, e.g. DE.")],
    )
    card_number = StringField(
        "Card number",
        filters=[_digits_only],
        validators=[InputRequired(), Regexp(r"^[0-9]{12,19}$", message="12 to 19 digits.")],
    )
    expiry_month = IntegerField(
        "Expiry month", validators=[InputRequired(), NumberRange(1, 12, "1 to 12.")]
    )
    expiry_year = IntegerField(
        "Expiry year", validators=[InputRequired(), NumberRange(2000, 2100, "A year, e.g. 2030.")]
    )
    cvc = PasswordField(
        "CVC", validators=[InputRequired(), Regexp(r"^[0-9]{3,4}$", message="3 or 4 digits.")]
    )

    def shipping_address(self) -> dict[str, str]:
        fields = ("name", "line1", "line2", "postal_code", "city", "country")
        return {name: self[name].data for name in fields if self[name].data}


class CancelForm(KeyedForm):
    pass


class PlainForm(Form):
    """A button that only needs its CSRF token (remove from basket, log out)."""
