"""The search form's inputs written straight from Python.

Django renders each <option> and checkbox through a template include, which costs more than the
database on a search page; the list must answer at once (docs/search.md), so these few widgets are
written here with format_html (escaped like the templates would).
"""

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


def _selected(bound_field) -> set[str]:
    value = bound_field.value()
    if value is None:
        return set()
    if isinstance(value, list | tuple):
        return {str(v) for v in value}
    return {str(value)}


@register.simple_tag
def search_input(bound_field):
    widget = bound_field.field.widget
    name, field_id = bound_field.html_name, bound_field.auto_id
    invalid = mark_safe(' aria-invalid="true"') if bound_field.errors else ""  # noqa: S308
    if isinstance(widget, forms.CheckboxSelectMultiple):
        chosen = _selected(bound_field)
        return format_html(
            '<div id="{}" class="choices">{}</div>',
            field_id,
            format_html_join(
                "",
                '<label><input type="checkbox" name="{}" value="{}"{}> {}</label>',
                (
                    (name, value, mark_safe(" checked") if str(value) in chosen else "", label)  # noqa: S308
                    for value, label in bound_field.field.choices
                ),
            ),
        )
    if isinstance(widget, forms.Select):
        chosen = _selected(bound_field)
        multiple = mark_safe(" multiple") if isinstance(widget, forms.SelectMultiple) else ""  # noqa: S308
        options = [("", "---------")] if not multiple else []
        options += [(value, label) for value, label in bound_field.field.choices if value != ""]
        return format_html(
            '<select name="{}" id="{}"{}{}>{}</select>',
            name,
            field_id,
            multiple,
            invalid,
            format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (value, mark_safe(" selected") if str(value) in chosen else "", label)  # noqa: S308
                    for value, label in options
                ),
            ),
        )
    if isinstance(widget, forms.HiddenInput):
        return format_html(
            '<input type="hidden" name="{}" value="{}">', name, bound_field.value() or ""
        )
    kind = widget.input_type if hasattr(widget, "input_type") else "text"
    if isinstance(widget, forms.DateInput):
        kind = widget.attrs.get("type", "date")
        value = bound_field.data if bound_field.form.is_bound else bound_field.value()
    else:
        value = bound_field.value()
    return format_html(
        '<input type="{}" name="{}" id="{}" value="{}"{}>',
        kind,
        name,
        field_id,
        "" if value is None else value,
        invalid,
    )
