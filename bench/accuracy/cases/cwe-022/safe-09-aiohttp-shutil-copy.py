# accuracy: cwe=22 label=safe trick=collection-pick framework=aiohttp
import shutil

from aiohttp import web


async def copy_template(request: web.Request) -> web.Response:
    param = request.match_info["name"]
    values = [param, "readme.txt"]
    bar = values[1]
    shutil.copy(f"/srv/templates/{bar}", "/tmp/work.txt")
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/copy-template/{name}", copy_template)
