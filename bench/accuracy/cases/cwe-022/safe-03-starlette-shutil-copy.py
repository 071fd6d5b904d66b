# accuracy: cwe=22 label=safe trick=dict-lookup framework=starlette
import shutil

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def copy_template(request: Request):
    param = request.headers.get("x-name", "")
    options = {"fixed": "readme.txt", "user": param}
    bar = options["fixed"]
    shutil.copy(f"/srv/templates/{bar}", "/tmp/work.txt")
    return PlainTextResponse("done")


routes = [Route("/copy-template", copy_template)]
