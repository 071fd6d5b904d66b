# accuracy: cwe=502 label=safe trick=constant-branch framework=starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
import yaml


async def import_config(request: Request):
    param = request.query_params.get("state", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = "e30="
    else:
        bar = param
    config = yaml.unsafe_load(bar)
    return PlainTextResponse("done")


routes = [Route("/import-config", import_config)]
