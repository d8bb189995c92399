"""The test app's one table: cart lines, written through gunicorn by the two-host tests."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CartLine(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sku = models.CharField(max_length=40)

    def __str__(self) -> str:
        return f"{self.sku} for user {self.user_id}"
