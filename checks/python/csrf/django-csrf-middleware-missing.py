# Test cases for releasegate.python.csrf.django-csrf-middleware-missing
# (several alternative settings modules in one file)

# ruleid: releasegate.python.csrf.django-csrf-middleware-missing
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

# ok: releasegate.python.csrf.django-csrf-middleware-missing
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

# ruleid: releasegate.python.csrf.django-csrf-middleware-missing
MIDDLEWARE_CLASSES = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
)

# ok: releasegate.python.csrf.django-csrf-middleware-missing
MIDDLEWARE_CLASSES = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
)

# ruleid: releasegate.python.csrf.django-csrf-middleware-missing
MIDDLEWARE.remove("django.middleware.csrf.CsrfViewMiddleware")

# ok: releasegate.python.csrf.django-csrf-middleware-missing
MIDDLEWARE.remove("debug_toolbar.middleware.DebugToolbarMiddleware")

# ok: releasegate.python.csrf.django-csrf-middleware-missing
PIPELINE = ["lint", "test", "package"]


BASE_MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
# ok: releasegate.python.csrf.django-csrf-middleware-missing
MIDDLEWARE = [*BASE_MIDDLEWARE, "django.middleware.common.CommonMiddleware"]

# ruleid: releasegate.python.csrf.django-csrf-middleware-missing
MIDDLEWARE = [name for name in BASE_MIDDLEWARE if "csrf" not in name.lower()]

# ruleid: releasegate.python.csrf.django-csrf-middleware-missing
MIDDLEWARE = [mw for mw in BASE_MIDDLEWARE if mw != "django.middleware.csrf.CsrfViewMiddleware"]

# ok: releasegate.python.csrf.django-csrf-middleware-missing
MIDDLEWARE = [mw for mw in BASE_MIDDLEWARE if "debug_toolbar" not in mw]



NO_CSRF_BASE = ["django.contrib.sessions.middleware.SessionMiddleware"]
# ruleid: releasegate.python.csrf.django-csrf-middleware-missing
MIDDLEWARE = [*NO_CSRF_BASE, "django.middleware.common.CommonMiddleware"]
