from flask import Blueprint

bp = Blueprint("accounts", __name__)


# Placeholders, replaced by the real views.
@bp.route("/register", methods=["GET", "POST"])
def register():
    return "register"


@bp.route("/login", methods=["GET", "POST"])
def login():
    return "login"


@bp.post("/logout")
def logout():
    return "logout"
