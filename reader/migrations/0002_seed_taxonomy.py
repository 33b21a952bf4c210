"""Seed the arXiv category taxonomy (aliases merged) and the single throttle row."""

from django.db import migrations


def seed(apps, schema_editor):
    from reader.taxonomy import ALIASES, all_categories, archive_of

    Category = apps.get_model("reader", "Category")
    ArxivThrottle = apps.get_model("reader", "ArxivThrottle")
    aliases_of: dict[str, list[str]] = {}
    for alias, canonical in ALIASES.items():
        aliases_of.setdefault(canonical, []).append(alias)
    Category.objects.bulk_create(
        [
            Category(
                code=code,
                name=name,
                group=group,
                archive=archive_of(code),
                aliases=sorted(aliases_of.get(code, [])),
            )
            for code, name, group in all_categories()
        ],
        ignore_conflicts=True,
    )
    ArxivThrottle.objects.get_or_create(key="arxiv")


class Migration(migrations.Migration):
    dependencies = [("reader", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
