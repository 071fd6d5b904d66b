# accuracy: cwe=501 label=vulnerable trick=collection-pick framework=starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def switch_role(request: Request):
    param = (await request.form()).get("role", "")
    values = ["viewer", param]
    bar = values[1]
    request.session["role"] = bar
    return PlainTextResponse("done")


routes = [Route("/switch-role", switch_role, methods=["POST"])]
