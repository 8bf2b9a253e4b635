from typing import Any

from django.db import migrations, models


def fill_search_text(apps: Any, schema_editor: Any) -> None:
    """Fill the new column from the title and use case it mirrors."""
    Assessment = apps.get_model("assessments", "Assessment")
    for assessment in Assessment.objects.only("pk", "name", "answers").iterator():
        use_case = str(assessment.answers.get("use_case") or "")
        text = f"{assessment.name}\n{use_case}".casefold()
        Assessment.objects.filter(pk=assessment.pk).update(search_text=text)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_list_stage_and_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="search_text",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
    ]
