from flask import Blueprint, render_template

bp = Blueprint("directory", __name__)


@bp.get("/")
def index():
    return render_template("directory/index.html")


# Placeholders, replaced by the real views.
@bp.get("/participants")
def participants():
    return "participants"


@bp.get("/champions")
def champions():
    return "champions"


@bp.get("/leaderboard")
def leaderboard():
    return "leaderboard"
