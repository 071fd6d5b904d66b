# accuracy: cwe=22 label=safe trick=allow-list framework=fastapi
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()


@app.get("/get-report/{name}")
async def get_report(name: str):
    param = name
    bar = param if param in {"readme.txt", "license.txt"} else "readme.txt"
    content = (Path("/srv/reports") / bar).read_bytes()
    return {"status": "ok"}
