# accuracy: cwe=78 label=vulnerable trick=collection-pick framework=aiohttp
import os

from aiohttp import web


async def backup_folder(request: web.Request) -> web.Response:
    param = request.match_info["host"]
    values = ["localhost", param]
    bar = values[1]
    listing = os.popen("ls -l %s" % bar).read()
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/backup-folder/{host}", backup_folder)
