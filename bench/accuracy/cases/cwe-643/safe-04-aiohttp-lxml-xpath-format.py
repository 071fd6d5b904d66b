# accuracy: cwe=643 label=safe trick=replaced-before-use framework=aiohttp
from aiohttp import web
from lxml import etree


async def staff_role(request: web.Request) -> web.Response:
    param = request.query.get("user", "")
    bar = param
    bar = "alice"
    doc = etree.parse("/srv/data/staff.xml")
    found = doc.xpath("//staff[login='{}']/role".format(bar))
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/staff-role", staff_role)
