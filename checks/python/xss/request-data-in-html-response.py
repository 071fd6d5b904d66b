# Test cases for releasegate.python.xss.request-data-in-html-response
import html

from django.http import HttpRequest, HttpResponse
from django.utils.html import escape as django_escape
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from flask import Flask, make_response, render_template, render_template_string, request
from markupsafe import Markup, escape

app = Flask(__name__)
api = FastAPI()


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    # ruleid: releasegate.python.xss.request-data-in-html-response
    return f"<h1>Hello {name}</h1>"


@app.route("/hello-escaped")
def hello_escaped():
    name = request.args.get("name", "")
    # ok: releasegate.python.xss.request-data-in-html-response
    return f"<h1>Hello {escape(name)}</h1>"


@app.route("/banner")
def banner():
    msg = request.form["msg"]
    # ruleid: releasegate.python.xss.request-data-in-html-response
    banner_html = Markup("<div class='banner'>" + msg + "</div>")
    # ok: releasegate.python.xss.request-data-in-html-response
    safe_html = Markup("<div class='banner'>{}</div>").format(msg)
    # ok: releasegate.python.xss.request-data-in-html-response
    page = render_template("banner.html", msg=msg)
    # ok: releasegate.python.xss.request-data-in-html-response
    return make_response(page)


@app.route("/greet")
def greet():
    who = request.args["who"]
    # ruleid: releasegate.python.xss.request-data-in-html-response
    return render_template_string("<p>Hi " + who + "</p>")


@app.route("/greet-safe")
def greet_safe():
    who = request.args["who"]
    # ok: releasegate.python.xss.request-data-in-html-response
    return render_template_string("<p>Hi {{ who }}</p>", who=who)


@app.route("/echo", methods=["POST"])
def echo():
    data = request.get_data(as_text=True)
    # ruleid: releasegate.python.xss.request-data-in-html-response
    return make_response("<pre>%s</pre>" % data, 200)


@app.route("/echo-safe", methods=["POST"])
def echo_safe():
    data = request.get_data(as_text=True)
    # ok: releasegate.python.xss.request-data-in-html-response
    return make_response("<pre>%s</pre>" % html.escape(data), 200)


def django_search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    # ruleid: releasegate.python.xss.request-data-in-html-response
    label = mark_safe("<b>" + q + "</b>")
    # ok: releasegate.python.xss.request-data-in-html-response
    label = format_html("<b>{}</b>", q)
    # ok: releasegate.python.xss.request-data-in-html-response
    label = mark_safe("<b>" + django_escape(q) + "</b>")
    # ruleid: releasegate.python.xss.request-data-in-html-response
    return HttpResponse("Results for " + q)


def django_search_safe(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    # ok: releasegate.python.xss.request-data-in-html-response
    return HttpResponse("Results for " + django_escape(q))


@api.get("/page", response_class=HTMLResponse)
async def page(title: str) -> HTMLResponse:
    # ruleid: releasegate.python.xss.request-data-in-html-response
    return HTMLResponse(f"<title>{title}</title>")


@api.get("/page-safe", response_class=HTMLResponse)
async def page_safe(title: str) -> HTMLResponse:
    # ok: releasegate.python.xss.request-data-in-html-response
    return HTMLResponse(f"<title>{html.escape(title)}</title>")


@app.route("/static-page")
def static_page():
    # ok: releasegate.python.xss.request-data-in-html-response
    return "<h1>Welcome</h1>"


@app.route("/raw")
def raw():
    # Known limitation: a request value returned unchanged (not built into a string) is missed.
    # todoruleid: releasegate.python.xss.request-data-in-html-response
    return request.args["html"]
