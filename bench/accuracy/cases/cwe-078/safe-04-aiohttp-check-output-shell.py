# accuracy: cwe=78 label=safe trick=replaced-before-use framework=aiohttp
import subprocess

from aiohttp import web


async def whois_domain(request: web.Request) -> web.Response:
    param = request.query.get("host", "")
    bar = param
    bar = "localhost"
    subprocess.check_output("whois {}".format(bar), shell=True)
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/whois-domain", whois_domain)
