# accuracy: cwe=89 label=vulnerable trick=collection-pick framework=fastapi
import sqlite3

from fastapi import FastAPI

app = FastAPI()


@app.get("/revoke-sessions")
async def revoke_sessions(name: str = ""):
    param = name
    values = ["alice", param]
    bar = values[1]
    db = sqlite3.connect("app.db")
    db.execute("DELETE FROM sessions WHERE owner = '" + bar + "'")
    db.commit()
    return {"status": "ok"}
