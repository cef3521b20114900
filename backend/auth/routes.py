from flask import current_app, request
from flask.views import MethodView

from backend.api import PUBLIC, Blueprint
from backend.auth import services
from backend.auth.principal import bearer_token, current_staff, staff_required
from backend.auth.schemas import (
    CodeArgs,
    LoginArgs,
    MfaArgs,
    RecoveryCodesOut,
    StaffUserOut,
    TokenOut,
    TotpEnrolmentArgs,
    TotpEnrolmentOut,
)

blp = Blueprint("auth", __name__, url_prefix="/auth",
                description="Staff sign-in: password, TOTP second factor, tokens.")


def _user_out(user, team_ids=()) -> dict:
    return {"id": user.id, "display_name": user.display_name, "role": user.role,
            "email": user.email, "mfa_enabled": user.mfa_enabled, "team_ids": list(team_ids)}


def _token_out(result: services.LoginResult) -> dict:
    if result.mfa_token:
        return {"mfa_required": True, "mfa_token": result.mfa_token}
    body = {"access_token": result.access_token, "token_type": "Bearer",
            "expires_in": current_app.config["SUIVI_ACCESS_TOKEN_TTL"],
            "user": _user_out(result.user)}
    if not result.user.mfa_enabled and not current_app.config["SUIVI_DEMO"]:
        body["mfa_enrolment_required"] = True
    return body


@blp.route("/login")
class Login(MethodView):
    @blp.doc(**PUBLIC)
    @blp.arguments(LoginArgs)
    @blp.response(200, TokenOut)
    @blp.alt_response(401, description="Wrong e-mail or password")
    @blp.alt_response(429, description="Back-off or lockout after repeated failures")
    def post(self, args):
        """Sign in with e-mail and password (then /auth/mfa when TOTP is enrolled)."""
        return _token_out(services.login(args["email"], args["password"],
                                         request.remote_addr))


@blp.route("/mfa")
class Mfa(MethodView):
    @blp.doc(**PUBLIC)
    @blp.arguments(MfaArgs)
    @blp.response(200, TokenOut)
    def post(self, args):
        """Second step: a TOTP code (or a recovery code) for the ``mfa_token``."""
        return _token_out(services.verify_mfa(args["mfa_token"], args["code"],
                                              request.remote_addr))


@blp.route("/me")
class Me(MethodView):
    @staff_required(action="auth.me", patient_data=False)
    @blp.response(200, StaffUserOut)
    def get(self):
        """The signed-in staff member."""
        principal = current_staff()
        return _user_out(principal.user, principal.team_ids)


@blp.route("/logout")
class Logout(MethodView):
    @staff_required(action="auth.logout", patient_data=False)
    @blp.response(204)
    def post(self):
        """Revoke the token used for this call."""
        services.logout(bearer_token())


@blp.route("/totp")
class TotpEnrolment(MethodView):
    @staff_required(action="auth.totp_enrolment", patient_data=False)
    @blp.arguments(TotpEnrolmentArgs)
    @blp.response(201, TotpEnrolmentOut)
    def post(self, args):
        """Start TOTP enrolment with the enrolment code an administrator gave you: a secret
        and its QR code for an authenticator app (again: a new secret)."""
        return services.begin_totp_enrolment(current_staff().user,
                                             args.get("mfa_enrolment_code"))


@blp.route("/totp/confirm")
class TotpConfirm(MethodView):
    @staff_required(action="auth.totp_confirm", patient_data=False)
    @blp.arguments(CodeArgs)
    @blp.response(200, RecoveryCodesOut)
    def post(self, args):
        """Confirm enrolment with a first code (this spends the enrolment code); returns
        recovery codes, shown once."""
        return {"recovery_codes": services.confirm_totp_enrolment(current_staff().user,
                                                                  args["code"])}
