# accuracy: cwe=611 label=safe trick=safe-parser framework=fastapi
import io
import xml.sax.handler

from fastapi import FastAPI
import defusedxml.sax

app = FastAPI()


@app.get("/parse-feed/{payload}")
async def parse_feed(payload: str):
    param = payload
    bar = param
    defusedxml.sax.parse(io.StringIO(bar), xml.sax.handler.ContentHandler())
    return {"status": "ok"}
