# accuracy: cwe=330 label=safe trick=system-random framework=starlette
import random

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_sysrand = random.SystemRandom()


async def csrf_token(request: Request) -> JSONResponse:
    token = "%x" % _sysrand.randrange(1 << 64)
    request.session["csrf_token"] = token
    return JSONResponse({"csrf_token": token})


routes = [Route("/csrf", csrf_token)]
