# accuracy: cwe=918 label=vulnerable trick=none framework=fastapi
from fastapi import FastAPI
import httpx

app = FastAPI()


@app.get("/send-webhook/{url}")
async def send_webhook(url: str):
    param = url
    bar = param.strip()
    httpx.post(f"{bar}/hooks", json={"event": "ping"}, timeout=5)
    return {"status": "ok"}
