"""``manage.py composekit_purge TAG [TAG ...]``: purge tags now, and say what each target did.

For the times a purge must be sure: after a deploy, a data fix in the shell, or to see
whether a purge target accepts composekit's requests at all. Unlike ``purge()`` it waits,
and exits non-zero when a target failed (after its retries), so a script can tell.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from composekit.purge import configured, purge_now

__all__ = ["Command"]


class Command(BaseCommand):
    help = "Purge cache tags now from every shared cache in COMPOSEKIT_PURGE_BACKENDS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tags", nargs="+", metavar="TAG", help="a cache tag, such as product=CK-1")
        parser.add_argument(
            "--hard",
            action="store_true",
            help="remove the purged objects, even where soft purge is configured",
        )
        parser.add_argument(
            "--retries",
            type=int,
            metavar="N",
            help="attempts after the first (default: COMPOSEKIT_PURGE_RETRIES)",
        )

    def handle(self, *args: Any, tags: list[str], hard: bool, retries: int | None, **options: Any) -> None:
        if retries is not None and retries < 0:
            raise CommandError(f"--retries must be 0 or more, not {retries}.")
        try:
            backends = configured()
        except ImproperlyConfigured as error:
            raise CommandError(f"{error} Run manage.py check for details.") from error
        if not backends:
            raise CommandError(
                "No purge backend is configured: set COMPOSEKIT_PURGE_BACKENDS "
                '(such as [{"BACKEND": "composekit.purge.Varnish", "OPTIONS": {"urls": [...]}}]); '
                "see docs/purging.md."
            )
        outcomes = purge_now(tags, retries=retries, hard=hard)
        if not outcomes:
            raise CommandError("No tag was purged: a tag is printable ASCII without spaces or commas.")
        for outcome in outcomes:
            where = f"{outcome.backend} {outcome.target}"
            if outcome.ok:
                self.stdout.write(f"ok      {where}")
            else:
                self.stdout.write(f"failed  {where} after {outcome.attempts} attempts: {outcome.error}")
        failed = sum(not outcome.ok for outcome in outcomes)
        if failed:
            raise CommandError(f"{failed} of {len(outcomes)} purge targets failed.")
