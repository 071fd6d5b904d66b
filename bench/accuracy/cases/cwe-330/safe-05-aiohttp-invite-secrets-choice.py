# accuracy: cwe=330 label=safe trick=secrets-module framework=aiohttp
import secrets
import string

from aiohttp import web


async def invite(request: web.Request) -> web.Response:
    team = request.match_info["team"]
    invite_code = "".join(secrets.choice(string.ascii_uppercase) for _ in range(16))
    return web.json_response({"team": team, "invite_code": invite_code})


app = web.Application()
app.router.add_post("/teams/{team}/invite", invite)
