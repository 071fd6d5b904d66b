# accuracy: cwe=918 label=safe trick=literal-host framework=fastapi
from fastapi import FastAPI
import httpx

app = FastAPI()


@app.get("/send-webhook/{url}")
async def send_webhook(url: str):
    param = url
    bar = f"https://api.example.com/users/{int(param)}"
    httpx.post(f"{bar}/hooks", json={"event": "ping"}, timeout=5)
    return {"status": "ok"}
