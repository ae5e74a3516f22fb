"""Re-encrypt every encrypted column with the first key of AISTRALE_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from aistrale.crypto import encrypted_fields, rotate_field


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (webhook secrets, provider keys, ...) with the first key of "
        "AISTRALE_ENCRYPTION_KEYS. Put the new key first, keep the old ones after it, run this, then drop them."
    )

    def handle(self, *args, **options):
        total = 0
        for model, field_name in encrypted_fields():
            count = rotate_field(model, field_name)
            total += count
            self.stdout.write(f"{model._meta.label}.{field_name}: {count} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"{total} secrets re-encrypted with the current key"))
