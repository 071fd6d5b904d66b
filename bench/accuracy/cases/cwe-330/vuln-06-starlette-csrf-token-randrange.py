# accuracy: cwe=330 label=vulnerable trick=none framework=starlette
import random

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def csrf_token(request: Request) -> JSONResponse:
    token = "%x" % random.randrange(1 << 64)
    request.session["csrf_token"] = token
    return JSONResponse({"csrf_token": token})


routes = [Route("/csrf", csrf_token)]
