# accuracy: cwe=89 label=vulnerable trick=none framework=fastapi
import sqlite3

from fastapi import FastAPI

app = FastAPI()


@app.post("/find-user")
async def find_user(name: str = ""):
    param = name
    bar = param.strip()
    conn = sqlite3.connect("app.db")
    rows = conn.execute(f"SELECT id FROM users WHERE name = '{bar}'").fetchall()
    return {"status": "ok"}
