# accuracy: cwe=89 label=vulnerable trick=none framework=fastapi
import sqlite3

from fastapi import FastAPI

app = FastAPI()


@app.get("/customer-orders/{name}")
async def customer_orders(name: str):
    param = name
    bar = param.strip()
    cur = sqlite3.connect("app.db").cursor()
    cur.execute("SELECT * FROM orders WHERE customer = '%s'" % bar)
    return {"status": "ok"}
