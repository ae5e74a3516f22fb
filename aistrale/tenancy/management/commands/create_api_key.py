"""Create an API key pair for a project and print it once."""

from django.core.management.base import BaseCommand, CommandError

from aistrale.tenancy.audit import acting_as
from aistrale.tenancy.models import Project, Role
from aistrale.tenancy.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key pair for a project (by id or name); the secret is printed once."

    def add_arguments(self, parser):
        parser.add_argument("project", help="project id or name")
        parser.add_argument("--note", default="")
        parser.add_argument("--role", default=Role.MEMBER, choices=[Role.OWNER, Role.ADMIN, Role.MEMBER])

    def handle(self, *args, project, note, role, **options):
        matches = list(Project.objects.filter(pk=project)) or list(Project.objects.filter(name=project))
        if len(matches) != 1:
            raise CommandError(f"project {project!r}: {'no match' if not matches else 'ambiguous name, use the id'}")
        with acting_as(label="create_api_key command"):
            api_key, secret_key = api_key_create(project=matches[0], note=note, role=role)
        self.stdout.write(f"public key: {api_key.public_key}")
        self.stdout.write(f"secret key: {secret_key}")
