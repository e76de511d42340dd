from django import template

register = template.Library()


@register.simple_tag
def sort_header(table, column):
    """The SortHeader of `column` in `table` (its `list_page` attribute), or None when the
    column is not one of the list's indexed sorts."""
    page = getattr(table, "list_page", None)
    return page.headers.get(column.name) if page is not None else None


@register.simple_tag
def table_body_rows(table):
    """The `<tr>` rows of a django-tables2 table, as its stock template writes them (cells
    rendered by django-tables2 itself: accessors, choices' labels, `render_FOO`, links, empty
    values), with the per-column work done once per page instead of once per cell: the `<td>`
    attributes and the inspection of each column's render signature. On a 25-row page of 10
    columns that was most of the table's cost (docs/search.md, "What a page costs").
    Columns whose `td` attributes are callables fall back to the per-cell attributes."""
    from django.utils.formats import localize
    from django.utils.html import conditional_escape, format_html, format_html_join
    from django_tables2.utils import AttributeDict, signature

    columns = list(table.columns)
    plans = []
    for column in columns:
        td = column.column.attrs.get("td", {})
        fixed = None if any(callable(v) for v in td.values()) else column.attrs["td"].as_html()
        args, catch_all = signature(column.render)
        plans.append((column, fixed, args, catch_all))
    lines = []
    for row in table.paginated_rows:
        cells = []
        for column, fixed, args, catch_all in plans:

            def render(bound_column, value=None, row=row, args=args, catch_all=catch_all):
                kwargs = row._optional_cell_arguments(bound_column, value)
                if not catch_all:
                    if any(name not in kwargs for name in args):
                        return None
                    kwargs = {name: kwargs[name] for name in args}
                content = bound_column.render(**kwargs)
                if bound_column.link:
                    return bound_column.link(content, **row._optional_cell_arguments(
                        bound_column, value))  # fmt: skip
                return content

            cell = row._get_and_render_with(column, render_func=render, default=column.default)
            if fixed is None:
                column.current_value, column.current_record = cell, row.record
                attrs = AttributeDict(column.attrs["td"]).as_html()
            else:
                attrs = fixed
            # As `{{ cell }}` in the stock template: localised, escaped unless already safe.
            cells.append(format_html("<td {}>{}</td>", attrs, conditional_escape(localize(cell))))
        lines.append(
            format_html(
                "<tr {}>{}</tr>",
                row.attrs.as_html(),
                format_html_join("", "{}", ((c,) for c in cells)),
            )
        )
    return format_html_join("\n", "{}", ((line,) for line in lines))
