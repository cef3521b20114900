from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.principal import any_principal_required
from backend.questionnaires import services
from backend.questionnaires.schemas import LangArgs, QuestionnaireOut, QuestionnaireSummaryOut

blp = Blueprint("questionnaires", __name__, url_prefix="/questionnaires",
                description="Questionnaire definitions (patient app and staff).")


@blp.route("")
class Questionnaires(MethodView):
    @any_principal_required(action="questionnaire.list")
    @blp.arguments(LangArgs, location="query")
    @blp.response(200, QuestionnaireSummaryOut(many=True))
    def get(self, args):
        """Every questionnaire, newest version."""
        return [{"slug": slug, "version": q.version, "title": q.title.get(args["lang"])}
                for slug, q in services.latest().items()]


@blp.route("/<slug>")
class Questionnaire(MethodView):
    @any_principal_required(action="questionnaire.read")
    @blp.arguments(LangArgs, location="query")
    @blp.response(200, QuestionnaireOut)
    def get(self, args, slug):
        """One questionnaire in the requested language."""
        return services.get(slug).to_dict(args["lang"])
