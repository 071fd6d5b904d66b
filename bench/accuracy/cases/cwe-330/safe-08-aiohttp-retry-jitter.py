# accuracy: cwe=330 label=safe trick=non-secret-use framework=aiohttp
import asyncio
import random

from aiohttp import web


async def refresh(request: web.Request) -> web.Response:
    attempt = int(request.query.get("attempt", "0"))
    delay = min(30.0, 2**attempt) * random.uniform(0.5, 1.5)
    await asyncio.sleep(delay / 100)
    return web.json_response({"retried_after": delay})


app = web.Application()
app.router.add_get("/refresh", refresh)
