# Test cases for releasegate.python.sqli.django-raw-sql-built-string
from django.db import models
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse


class Person(models.Model):
    name = models.CharField(max_length=100)
    age = models.IntegerField()


def search(request: HttpRequest) -> HttpResponse:
    name = request.GET.get("name", "")
    # ruleid: releasegate.python.sqli.django-raw-sql-built-string
    people = Person.objects.raw(f"SELECT * FROM app_person WHERE name = '{name}'")
    # ok: releasegate.python.sqli.django-raw-sql-built-string
    people = Person.objects.raw("SELECT * FROM app_person WHERE name = %s", [name])
    return HttpResponse(len(list(people)))


def older_than(request: HttpRequest) -> HttpResponse:
    age = request.GET.get("age", "0")
    where = "age > %s" % age
    # ruleid: releasegate.python.sqli.django-raw-sql-built-string
    qs = Person.objects.extra(where=[where])
    # ok: releasegate.python.sqli.django-raw-sql-built-string
    qs = Person.objects.extra(where=["age > %s"], params=[age])
    return HttpResponse(qs.count())


def annotate(request: HttpRequest) -> HttpResponse:
    col = request.GET.get("col", "age")
    # ruleid: releasegate.python.sqli.django-raw-sql-built-string
    qs = Person.objects.annotate(val=RawSQL("SELECT " + col + " FROM app_person", ()))
    # ok: releasegate.python.sqli.django-raw-sql-built-string
    qs = Person.objects.annotate(val=RawSQL("SELECT age FROM app_person WHERE id = %s", (1,)))
    # ok: releasegate.python.sqli.django-raw-sql-built-string
    qs = Person.objects.filter(name=col)
    return HttpResponse(qs.count())
