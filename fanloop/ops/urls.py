from __future__ import annotations

from django.urls import path

from fanloop.ops import views

app_name = "ops"
urlpatterns = [path("healthz", views.healthz, name="healthz")]
