# accuracy: cwe=78 label=vulnerable trick=none framework=fastapi
import os

from fastapi import FastAPI

app = FastAPI()


@app.post("/dig-record")
async def dig_record(host: str = ""):
    param = host
    bar = param.strip()
    os.system(f"ping -c 1 {bar}")
    return {"status": "ok"}
