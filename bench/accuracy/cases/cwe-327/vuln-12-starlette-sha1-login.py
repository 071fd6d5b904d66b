# accuracy: cwe=327 label=vulnerable trick=none framework=starlette
import hashlib

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

STORED = {"admin": "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"}


async def login(request: Request) -> PlainTextResponse:
    form = await request.form()
    user = str(form.get("user", ""))
    password = str(form.get("password", ""))
    if STORED.get(user) == hashlib.sha1(password.encode()).hexdigest():
        return PlainTextResponse("welcome")
    return PlainTextResponse("denied", status_code=401)


routes = [Route("/login", login, methods=["POST"])]
