# accuracy: cwe=502 label=vulnerable trick=dict-lookup framework=starlette
import base64
import marshal

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def run_plugin(request: Request):
    param = request.headers.get("x-state", "")
    options = {"fixed": "e30=", "user": param}
    bar = options["user"]
    code = marshal.loads(base64.b64decode(bar))
    return PlainTextResponse("done")


routes = [Route("/run-plugin", run_plugin)]
