# accuracy: cwe=501 label=safe trick=allow-list framework=starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def set_role(request: Request):
    param = (await request.form()).get("role", "")
    bar = {"v": "viewer", "e": "editor"}.get(param, "viewer")
    request.session["role"] = bar
    return PlainTextResponse("done")


routes = [Route("/set-role", set_role, methods=["POST"])]
