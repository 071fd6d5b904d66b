# accuracy: cwe=78 label=safe trick=constant-branch framework=starlette
import subprocess

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def lookup_host(request: Request):
    param = request.query_params.get("host", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = "localhost"
    else:
        bar = param
    subprocess.Popen("tar czf /tmp/backup.tgz " + bar, shell=True).wait()
    return PlainTextResponse("done")


routes = [Route("/lookup-host", lookup_host)]
