# accuracy: cwe=89 label=safe trick=collection-pick framework=aiohttp
import sqlite3

from aiohttp import web


async def mark_seen(request: web.Request) -> web.Response:
    param = request.match_info["name"]
    values = [param, "alice"]
    bar = values[1]
    cur = sqlite3.connect("app.db").cursor()
    cur.execute("UPDATE users SET seen = 1 WHERE login = '{}'".format(bar))
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/mark-seen/{name}", mark_seen)
