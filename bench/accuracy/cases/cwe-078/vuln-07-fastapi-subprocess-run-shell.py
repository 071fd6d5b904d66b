# accuracy: cwe=78 label=vulnerable trick=none framework=fastapi
import subprocess

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping-host/{host}")
async def ping_host(host: str):
    param = host
    bar = param.strip()
    subprocess.run(f"nslookup {bar}", shell=True, check=False)
    return {"status": "ok"}
