from flask import Blueprint

bp = Blueprint("enrolment", __name__)


@bp.get("/dashboard")
def dashboard():  # placeholder
    return "dashboard"
