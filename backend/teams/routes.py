from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.principal import current_staff, staff_required
from backend.teams import services
from backend.teams.schemas import (
    EnrolmentCodeOut,
    MemberIn,
    StaffCreatedOut,
    StaffIn,
    StaffOut,
    StaffPatch,
    TeamIn,
    TeamOut,
    TeamPatch,
)

blp = Blueprint("administration", __name__, url_prefix="",
                description="Staff accounts and care teams (administrators).")

admin_only = staff_required("admin", action="admin", patient_data=False, administration=True)


@blp.route("/staff")
class StaffCollection(MethodView):
    @admin_only
    @blp.response(200, StaffOut(many=True))
    def get(self):
        """Every staff account."""
        return services.list_staff()

    @admin_only
    @blp.arguments(StaffIn)
    @blp.response(201, StaffCreatedOut)
    def post(self, args):
        """Create a staff account (password of 12 characters or more); the answer holds,
        once, the code its owner needs to enrol a second factor."""
        return services.create_staff(**args)


@blp.route("/staff/<uuid:staff_id>")
class StaffItem(MethodView):
    @admin_only
    @blp.arguments(StaffPatch)
    @blp.response(200, StaffOut)
    def patch(self, args, staff_id):
        """Change a staff account (deactivating it or changing its password revokes its
        tokens)."""
        return services.update_staff(current_staff().user.id, services.get_staff(staff_id),
                                     args)


@blp.route("/staff/<uuid:staff_id>/reset-mfa")
class StaffResetMfa(MethodView):
    @admin_only
    @blp.response(200, EnrolmentCodeOut)
    def post(self, staff_id):
        """Remove a lost second factor (or renew an enrolment code that expired): the
        account's tokens are revoked and it must enrol again, with the code returned once."""
        return services.reset_mfa(services.get_staff(staff_id))


@blp.route("/teams")
class TeamCollection(MethodView):
    @staff_required(action="team.list", patient_data=False)
    @blp.response(200, TeamOut(many=True))
    def get(self):
        """Every care team; the on-call phone only for its members and administrators
        (past their second factor)."""
        return services.teams_seen_by(current_staff())

    @admin_only
    @blp.arguments(TeamIn)
    @blp.response(201, TeamOut)
    def post(self, args):
        """Create a care team."""
        return services.create_team(**args)


@blp.route("/teams/<slug>")
class TeamItem(MethodView):
    @admin_only
    @blp.arguments(TeamPatch)
    @blp.response(200, TeamOut)
    def patch(self, args, slug):
        """Change a care team: name, on-call phone, day hours and their time zone."""
        return services.update_team(services.team_by_slug(slug), args)


@blp.route("/teams/<slug>/members")
class TeamMembers(MethodView):
    @admin_only
    @blp.arguments(MemberIn)
    @blp.response(204)
    def post(self, args, slug):
        """Add a staff member to the team."""
        services.set_membership(services.team_by_slug(slug), args["staff_id"], member=True)


@blp.route("/teams/<slug>/members/<uuid:staff_id>")
class TeamMember(MethodView):
    @admin_only
    @blp.response(204)
    def delete(self, slug, staff_id):
        """Remove a staff member from the team."""
        services.set_membership(services.team_by_slug(slug), staff_id, member=False)
