# Test cases for releasegate.python.session.request-data-in-session
from django.http import HttpRequest, HttpResponse
from flask import Flask, request, session

app = Flask(__name__)
ROLES = {"viewer", "editor"}


@app.route("/role")
def choose_role():
    role = request.args.get("role", "viewer")
    # ok: releasegate.python.session.request-data-in-session
    session["visits"] = session.get("visits", 0) + 1
    # ruleid: releasegate.python.session.request-data-in-session
    session["role"] = role
    return "done"


@app.route("/role-checked")
def choose_role_checked():
    role = request.args.get("role", "viewer")
    if role not in ROLES:
        role = "viewer"
    # ok: releasegate.python.session.request-data-in-session
    session["role"] = role
    return "done"


@app.route("/page")
def page():
    # ok: releasegate.python.session.request-data-in-session
    session["page"] = int(request.args.get("page", "1"))
    return "done"


def django_theme(request: HttpRequest) -> HttpResponse:
    # ruleid: releasegate.python.session.request-data-in-session
    request.session["theme"] = request.GET["theme"]
    # ok: releasegate.python.session.request-data-in-session
    request.session["theme_default"] = "light"
    return HttpResponse("ok")


async def aiohttp_next(request):
    session = await get_session(request)
    # ruleid: releasegate.python.session.request-data-in-session
    session["next"] = request.query.get("next", "/")
    # ok: releasegate.python.session.request-data-in-session
    session["next_default"] = "/"
    return None


async def get_session(request):
    return {}


def django_csrf_token_in_session(request):
    # The CSRF middleware stores its own token (set in META by the server, not the client).
    # ok: releasegate.python.session.request-data-in-session
    request.session["_csrftoken"] = request.META["CSRF_COOKIE"]


def django_header_in_session(request):
    # ruleid: releasegate.python.session.request-data-in-session
    request.session["agent"] = request.META["HTTP_USER_AGENT"]
