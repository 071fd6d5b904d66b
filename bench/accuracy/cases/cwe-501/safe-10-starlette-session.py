# accuracy: cwe=501 label=safe trick=dict-lookup framework=starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def choose_role(request: Request):
    param = (await request.form()).get("role", "")
    options = {"fixed": "viewer", "user": param}
    bar = options["fixed"]
    request.session["role"] = bar
    return PlainTextResponse("done")


routes = [Route("/choose-role", choose_role, methods=["POST"])]
