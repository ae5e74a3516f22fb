"""Revoke an API key by its public key."""

from django.core.management.base import BaseCommand, CommandError

from aistrale.tenancy.audit import acting_as
from aistrale.tenancy.models import ApiKey
from aistrale.tenancy.services import api_key_revoke


class Command(BaseCommand):
    help = "Revoke an API key; requests with it are refused from the next one on."

    def add_arguments(self, parser):
        parser.add_argument("public_key")

    def handle(self, *args, public_key, **options):
        api_key = ApiKey.objects.select_related("project").filter(public_key=public_key).first()
        if api_key is None:
            raise CommandError(f"no API key with public key {public_key!r}")
        with acting_as(label="revoke_api_key command"):
            api_key_revoke(api_key=api_key)
        self.stdout.write(f"revoked {public_key}")
