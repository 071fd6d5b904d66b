# accuracy: cwe=78 label=safe trick=dict-lookup framework=starlette
import os

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def list_directory(request: Request):
    param = request.headers.get("x-host", "")
    options = {"fixed": "localhost", "user": param}
    bar = options["fixed"]
    listing = os.popen("ls -l %s" % bar).read()
    return PlainTextResponse("done")


routes = [Route("/list-directory", list_directory)]
