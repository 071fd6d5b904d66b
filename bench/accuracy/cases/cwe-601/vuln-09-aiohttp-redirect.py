# accuracy: cwe=601 label=vulnerable trick=collection-pick framework=aiohttp
from aiohttp import web


async def back_to(request: web.Request) -> web.Response:
    param = request.match_info["next"]
    values = ["/dashboard", param]
    bar = values[1]
    raise web.HTTPFound(location=bar)


app = web.Application()
app.router.add_get("/back-to/{next}", back_to)
