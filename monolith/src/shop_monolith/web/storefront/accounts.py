"""Register, log in, log out."""

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from shop_monolith.customers import facade as customers
from shop_monolith.shared.errors import AuthenticationFailed, Conflict, TooManyAttempts
from shop_monolith.web import dependencies
from shop_monolith.web.storefront import bp
from shop_monolith.web.storefront.forms import LoginForm, RegisterForm
from shop_monolith.web.storefront.login_state import log_in, log_out, safe_next


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
        return render_template("storefront/login.html", form=form), 200
    if form.validate():
        try:
            customer = customers.authenticate(
                dependencies.session(),
                dependencies.login_attempts(),
                email=form.email.data,
                password=form.password.data,
                client_address=request.remote_addr or "",
            )
        except TooManyAttempts as error:
            form.form_errors.append(error.detail)
            page = render_template("storefront/login.html", form=form)
            return page, 429, {"Retry-After": str(error.retry_after)}
        except AuthenticationFailed as error:
            form.form_errors.append(error.detail)
        else:
            log_in(customer)
            flash(f"Welcome back, {customer.name}.", "success")
            return redirect(safe_next(form.next.data), 303)
    return render_template("storefront/login.html", form=form), 422


@bp.route("/register", methods=["GET", "POST"])
def register() -> Response | tuple[str, int]:
    form = RegisterForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
        return render_template("storefront/register.html", form=form), 200
    status = 422
    if form.validate():
        try:
            customer = customers.register(
                dependencies.session(),
                email=form.email.data,
                password=form.password.data,
                name=form.name.data,
            )
        except Conflict as error:
            form.email.errors = [error.detail]
            status = 409
        else:
            log_in(customer)
            flash(f"Welcome, {customer.name}: your account is ready.", "success")
            return redirect(safe_next(form.next.data), 303)
    return render_template("storefront/register.html", form=form), status


@bp.post("/logout")
def logout() -> Response:
    log_out()  # CSRFProtect has checked the form's token before this view runs
    flash("You are logged out.", "info")
    return redirect(url_for("storefront.index"), 303)
