# accuracy: cwe=611 label=vulnerable trick=collection-pick framework=fastapi
import io
import xml.sax
from xml.sax.handler import feature_external_ges

from fastapi import FastAPI

app = FastAPI()


@app.get("/parse-feed")
async def parse_feed(payload: str = ""):
    param = payload
    values = ["<order><id>1</id></order>", param]
    bar = values[1]
    reader = xml.sax.make_parser()
    reader.setFeature(feature_external_ges, True)
    reader.parse(io.StringIO(bar))
    return {"status": "ok"}
