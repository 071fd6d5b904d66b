# accuracy: cwe=22 label=vulnerable trick=none framework=fastapi
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()


@app.get("/get-report/{name}")
async def get_report(name: str):
    param = name
    bar = param.strip()
    content = (Path("/srv/reports") / bar).read_bytes()
    return {"status": "ok"}
