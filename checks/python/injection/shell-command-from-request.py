# Test cases for releasegate.python.injection.shell-command-from-request
import os
import shlex
import subprocess

from django.http import HttpRequest, HttpResponse
from fastapi import FastAPI
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()
ALLOWED_HOSTS = {"example.com", "example.org"}


@app.route("/ping")
def ping():
    host = request.args.get("host", "")
    # ruleid: releasegate.python.injection.shell-command-from-request
    os.system("ping -c 1 " + host)
    # ok: releasegate.python.injection.shell-command-from-request
    subprocess.run(["ping", "-c", "1", host], check=False)
    # ok: releasegate.python.injection.shell-command-from-request
    os.system("ping -c 1 " + shlex.quote(host))
    return "ok"


@app.route("/lookup")
def lookup():
    domain = request.form["domain"]
    # ruleid: releasegate.python.injection.shell-command-from-request
    out = subprocess.check_output(f"nslookup {domain}", shell=True)
    # ok: releasegate.python.injection.shell-command-from-request
    out = subprocess.check_output(["nslookup", domain])
    return out


@app.route("/lookup-allowed")
def lookup_allowed():
    domain = request.form["domain"]
    if domain not in ALLOWED_HOSTS:
        return "no", 400
    # ok: releasegate.python.injection.shell-command-from-request
    return subprocess.check_output(f"nslookup {domain}", shell=True)


def archive(request: HttpRequest) -> HttpResponse:
    name = request.POST["name"]
    # ruleid: releasegate.python.injection.shell-command-from-request
    stream = os.popen("tar -czf /tmp/out.tgz " + name)
    # ok: releasegate.python.injection.shell-command-from-request
    stream = os.popen("tar -czf /tmp/out.tgz /srv/data")
    return HttpResponse(stream.read())


@api.get("/disk")
def disk(path: str) -> dict[str, str]:
    # ruleid: releasegate.python.injection.shell-command-from-request
    usage = subprocess.getoutput("du -sh %s" % path)
    # ok: releasegate.python.injection.shell-command-from-request
    usage = subprocess.run(["du", "-sh", path], capture_output=True, text=True).stdout
    return {"usage": usage}


@app.route("/grep")
def grep():
    pattern = request.args.get("q", "")
    # Known limitation: an explicit "sh -c" argument list is not treated as a shell.
    # todoruleid: releasegate.python.injection.shell-command-from-request
    return subprocess.run(["sh", "-c", "grep " + pattern + " /var/log/app.log"], check=False)
