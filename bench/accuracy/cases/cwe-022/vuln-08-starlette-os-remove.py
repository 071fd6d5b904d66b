# accuracy: cwe=22 label=vulnerable trick=constant-branch framework=starlette
import os

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def delete_upload(request: Request):
    param = request.query_params.get("name", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = param
    else:
        bar = "readme.txt"
    os.remove("/srv/uploads/" + bar)
    return PlainTextResponse("done")


routes = [Route("/delete-upload", delete_upload)]
