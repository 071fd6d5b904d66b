# Test cases for releasegate.python.transport.insecure-cookie-flags
from django.http import HttpRequest, HttpResponse
from flask import Flask, make_response

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    resp = make_response("ok")
    # ruleid: releasegate.python.transport.insecure-cookie-flags
    resp.set_cookie("session_id", "abc123")
    # ruleid: releasegate.python.transport.insecure-cookie-flags
    resp.set_cookie("session_id", "abc123", secure=True, httponly=True)
    # ruleid: releasegate.python.transport.insecure-cookie-flags
    resp.set_cookie("session_id", "abc123", secure=False, httponly=True, samesite="Lax")
    # ok: releasegate.python.transport.insecure-cookie-flags
    resp.set_cookie("session_id", "abc123", secure=True, httponly=True, samesite="Lax")
    # ok: releasegate.python.transport.insecure-cookie-flags
    resp.set_cookie("prefs", "dark", samesite="Strict", httponly=True, secure=True, max_age=3600)
    return resp


@app.route("/logout")
def logout():
    resp = make_response("bye")
    # ok: releasegate.python.transport.insecure-cookie-flags
    resp.set_cookie("session_id", "", expires=0)
    # ok: releasegate.python.transport.insecure-cookie-flags
    resp.delete_cookie("session_id")
    return resp


def django_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok")
    # ruleid: releasegate.python.transport.insecure-cookie-flags
    response.set_signed_cookie("uid", "42", httponly=False, secure=True, samesite="Lax")
    # ok: releasegate.python.transport.insecure-cookie-flags
    response.set_signed_cookie("uid", "42", httponly=True, secure=True, samesite="Lax")
    # ruleid: releasegate.python.transport.insecure-cookie-flags
    response.set_cookie("theme", "dark", secure=True, httponly=True, samesite=None)
    # ok: releasegate.python.transport.insecure-cookie-flags
    response.set_cookie("theme", "dark", secure=True, httponly=True, samesite="Strict")
    return response


def client_side(jar: object, cookie: object) -> None:
    # A client-side cookie jar stores a received cookie; no flags to set here.
    # ok: releasegate.python.transport.insecure-cookie-flags
    jar.set_cookie(cookie)  # type: ignore[attr-defined]
