# accuracy: cwe=78 label=safe trick=collection-pick framework=fastapi
import subprocess

from fastapi import FastAPI

app = FastAPI()


@app.get("/backup-folder")
async def backup_folder(host: str = ""):
    param = host
    values = [param, "localhost"]
    bar = values[1]
    subprocess.Popen("tar czf /tmp/backup.tgz " + bar, shell=True).wait()
    return {"status": "ok"}
