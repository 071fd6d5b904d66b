# Test cases for releasegate.python.injection.ldap-injection
import ldap
import ldap3
from ldap.filter import escape_filter_chars, filter_format
from flask import Flask, request

app = Flask(__name__)
BASE_DN = "ou=people,dc=example,dc=com"


@app.route("/user")
def find_user():
    uid = request.args.get("uid", "")
    conn = ldap.initialize("ldaps://ldap.example.com")
    # ruleid: releasegate.python.injection.ldap-injection
    res = conn.search_s(BASE_DN, ldap.SCOPE_SUBTREE, "(uid=%s)" % uid)
    # ok: releasegate.python.injection.ldap-injection
    res = conn.search_s(BASE_DN, ldap.SCOPE_SUBTREE, "(uid=%s)" % escape_filter_chars(uid))
    # ok: releasegate.python.injection.ldap-injection
    res = conn.search_s(BASE_DN, ldap.SCOPE_SUBTREE, filter_format("(uid=%s)", [uid]))
    return str(res)


@app.route("/login", methods=["POST"])
def login():
    user = request.form["user"]
    server = ldap3.Server("ldaps://ldap.example.com")
    conn = ldap3.Connection(server, auto_bind=True)
    # ruleid: releasegate.python.injection.ldap-injection
    conn.search(BASE_DN, f"(&(objectClass=person)(uid={user}))", attributes=["cn"])
    # ok: releasegate.python.injection.ldap-injection
    conn.search(BASE_DN, "(&(objectClass=person)(uid=%s))" % escape_filter_chars(user))
    # ruleid: releasegate.python.injection.ldap-injection
    conn.search(search_base=BASE_DN, search_filter="(mail=" + user + ")")
    # ok: releasegate.python.injection.ldap-injection
    conn.search(search_base=BASE_DN, search_filter="(objectClass=person)")
    return "ok"
