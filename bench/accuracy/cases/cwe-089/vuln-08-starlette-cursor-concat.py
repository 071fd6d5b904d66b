# accuracy: cwe=89 label=vulnerable trick=constant-branch framework=starlette
import sqlite3

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def revoke_sessions(request: Request):
    param = request.query_params.get("name", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = param
    else:
        bar = "alice"
    db = sqlite3.connect("app.db")
    db.execute("DELETE FROM sessions WHERE owner = '" + bar + "'")
    db.commit()
    return PlainTextResponse("done")


routes = [Route("/revoke-sessions", revoke_sessions)]
