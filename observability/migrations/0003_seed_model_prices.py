from django.db import migrations


def seed(apps, schema_editor):
    from observability.services.pricing import model_definition_seed

    model_definition_seed(
        model_class=apps.get_model("observability", "ModelDefinition"),
        tier_class=apps.get_model("observability", "PricingTier"),
    )


class Migration(migrations.Migration):
    dependencies = [("observability", "0002_model_prices")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
