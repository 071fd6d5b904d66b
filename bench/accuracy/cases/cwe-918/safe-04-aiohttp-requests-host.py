# accuracy: cwe=918 label=safe trick=replaced-before-use framework=aiohttp
from aiohttp import web
import requests


async def scrape_metrics(request: web.Request) -> web.Response:
    param = request.query.get("url", "")
    bar = param
    bar = "https://status.example.com/health"
    reply = requests.get("http://" + bar + "/metrics", timeout=5)
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/scrape-metrics", scrape_metrics)
