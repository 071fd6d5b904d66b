# Test cases for releasegate.python.transport.insecure-credential-cookie
from fastapi import FastAPI, Response
from flask import Flask, make_response, request

app = Flask(__name__)
api = FastAPI()
COOKIE_SECURE = False
COOKIE_FLAGS_ON = True


@app.route("/login", methods=["POST"])
def login():
    response = make_response("ok")
    token = request.form.get("token", "")
    # ruleid: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie("session_token", token)
    # ruleid: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie("sid", token, secure=True, httponly=False)
    # ruleid: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie("remember_me", token, secure=False, httponly=True, samesite="Lax")
    # ruleid: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie("auth", token, secure=COOKIE_SECURE, httponly=True)
    # ruleid: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie("auth_token", token, max_age=3600, httponly=True)
    # ok: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie("sid", token, secure=True, httponly=True, samesite="Lax")
    # ok: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie("session", token, secure=COOKIE_FLAGS_ON, httponly=COOKIE_FLAGS_ON)
    # ok: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie("theme", "dark")
    # ok: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie("session", "", expires=0)
    return response


def forward(response, name, value, **options):
    # ok: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie("session", value, **options)


@api.post("/token")
async def issue_token(user: str, response: Response):
    # ruleid: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie(key="access_token", value=f"token-for-{user}")
    # ok: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie(key="access_token", value=user, secure=True, httponly=True)
    return {"status": "issued"}


def settings_from_config(response, config, value):
    # The framework's own configuration decides (Flask's session interface does this).
    # ok: releasegate.python.transport.insecure-credential-cookie
    response.set_cookie(
        "session", value, secure=config.secure, httponly=config.httponly, samesite=None
    )
