# accuracy: cwe=918 label=safe trick=collection-pick framework=aiohttp
from aiohttp import web
import requests


async def scrape_metrics(request: web.Request) -> web.Response:
    param = request.match_info["url"]
    values = [param, "https://status.example.com/health"]
    bar = values[1]
    reply = requests.get("http://" + bar + "/metrics", timeout=5)
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/scrape-metrics/{url}", scrape_metrics)
