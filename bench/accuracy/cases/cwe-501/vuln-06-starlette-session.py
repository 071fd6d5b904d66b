# accuracy: cwe=501 label=vulnerable trick=helper-function framework=starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def set_role(request: Request):
    param = (await request.form()).get("role", "")
    bar = _normalise(param)
    request.session["role"] = bar
    return PlainTextResponse("done")


routes = [Route("/set-role", set_role, methods=["POST"])]


def _normalise(value):
    return value.strip()
