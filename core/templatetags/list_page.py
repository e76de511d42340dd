from django import template

register = template.Library()


@register.simple_tag
def sort_header(table, column):
    """The SortHeader of `column` in `table` (its `list_page` attribute), or None when the
    column is not one of the list's indexed sorts."""
    page = getattr(table, "list_page", None)
    return page.headers.get(column.name) if page is not None else None
