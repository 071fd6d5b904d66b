# accuracy: cwe=330 label=vulnerable trick=none framework=aiohttp
import random
import string

from aiohttp import web


async def invite(request: web.Request) -> web.Response:
    team = request.match_info["team"]
    invite_code = "".join(random.choices(string.ascii_uppercase, k=16))
    return web.json_response({"team": team, "invite_code": invite_code})


app = web.Application()
app.router.add_post("/teams/{team}/invite", invite)
