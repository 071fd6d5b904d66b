# accuracy: cwe=614 label=safe trick=secure-flags framework=starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def login(request: Request) -> PlainTextResponse:
    form = await request.form()
    response = PlainTextResponse("welcome")
    response.set_cookie("sid", str(form.get("sid", "")), secure=True, httponly=True)
    return response


routes = [Route("/login", login, methods=["POST"])]
