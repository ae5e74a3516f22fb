"""AISTRALE's URLs plus /bench/floor: the cheapest Django view, the framework's floor."""

from django.http import HttpResponse
from django.urls import path

from aistrale.urls import urlpatterns as aistrale_urlpatterns

FLOOR_BODY = b'{"status":"OK","floor":true}'


def floor(request):
    return HttpResponse(FLOOR_BODY, content_type="application/json")


urlpatterns = [path("bench/floor", floor), *aistrale_urlpatterns]
