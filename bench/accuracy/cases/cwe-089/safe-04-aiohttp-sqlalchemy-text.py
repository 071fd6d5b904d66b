# accuracy: cwe=89 label=safe trick=replaced-before-use framework=aiohttp
from aiohttp import web
from sqlalchemy import create_engine, text


async def items_by_tag(request: web.Request) -> web.Response:
    param = request.query.get("name", "")
    bar = param
    bar = "alice"
    engine = create_engine("sqlite:///app.db")
    with engine.connect() as conn:
        conn.execute(text(f"SELECT * FROM items WHERE tag = '{bar}'"))
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/items-by-tag", items_by_tag)
