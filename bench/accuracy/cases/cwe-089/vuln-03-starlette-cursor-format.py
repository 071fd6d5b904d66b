# accuracy: cwe=89 label=vulnerable trick=dict-lookup framework=starlette
import sqlite3

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def mark_seen(request: Request):
    param = request.headers.get("x-name", "")
    options = {"fixed": "alice", "user": param}
    bar = options["user"]
    cur = sqlite3.connect("app.db").cursor()
    cur.execute("UPDATE users SET seen = 1 WHERE login = '{}'".format(bar))
    return PlainTextResponse("done")


routes = [Route("/mark-seen", mark_seen)]
