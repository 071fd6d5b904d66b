# accuracy: cwe=502 label=safe trick=collection-pick framework=aiohttp
import base64
import marshal

from aiohttp import web


async def run_plugin(request: web.Request) -> web.Response:
    param = request.match_info["state"]
    values = [param, "e30="]
    bar = values[1]
    code = marshal.loads(base64.b64decode(bar))
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/run-plugin/{state}", run_plugin)
