"""A hot lookup's SQL compiled once per process, run with each call's values (docs/benchmarks.md,
"Cash-management operations").

The ORM builds and compiles a statement again at every call: for the few lookups every API
operation makes (the token, the transaction locked by its key), that costs more CPU than the
database's work. `Precompiled` asks the ORM for the statement once, with marker values in the
places a call's values go, keeps the SQL, the parameters and the columns' converters, and at each
call runs that SQL with the call's values and builds the instances as the ORM would (the model's
`from_db`, the row's converters, the related instance cached as `select_related` does).

What is kept is the statement, never a row: every call reads the database, so a revoked token or
a changed role counts at once. Thread-safe: what is kept is read-only.
"""

import datetime as dt
import threading
from collections.abc import Callable

from django.db import connections
from django.db.models import Model, QuerySet


def _same(value):
    return value


def _attnames(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


class Precompiled:
    """`build(**markers)` → a queryset of one model, with `related` (forward many-to-one
    relations, one level) read in the same statement. `markers` name each parameter a call
    gives and a value of its type that no call uses (a string, an int or a date)."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        markers: dict[str, object],
        related: tuple[str, ...] = (),
    ):
        self.build = build
        self.markers = markers
        self.related = related
        self._compiled: dict[tuple[str, str], tuple] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str):
        queryset = self.build(**self.markers).using(using)
        model = queryset.model
        shapes = [(model, None, _attnames(model))]
        for name in self.related:
            field = model._meta.get_field(name)
            shapes.append((field.related_model, field, _attnames(field.related_model)))
        columns = [
            name if field is None else f"{field.name}__{name}"
            for related_model, field, names in shapes
            for name in names
        ]
        compiler = queryset.values_list(*columns).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        select = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(select)
        slots: dict[str, list[tuple[int, Callable]]] = {}
        for name, marker in self.markers.items():
            found = [
                (position, _same if value == marker else str)  # str: dates bound as text
                for position, value in enumerate(params)
                if value == marker or (isinstance(marker, dt.date) and value == str(marker))
            ]
            if not found:
                raise ValueError(f"marker {name!r} not found in the compiled parameters")
            slots[name] = found
        return sql, tuple(params), slots, converters, shapes

    def rows(self, using: str = "default", **values) -> list[tuple[Model, ...]]:
        """Each row as (instance, related instance, …), the related ones cached on the first."""
        connection = connections[using]
        key = (using, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(using)
                self._compiled[key] = compiled
        sql, params, slots, converters, shapes = compiled
        params = list(params)
        for name, places in slots.items():
            for position, adapt in places:
                params[position] = adapt(values[name])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        found = []
        for raw in fetched:
            row = list(raw)
            for position, (functions, expression) in converters.items():
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            instances, start = [], 0
            for model, field, names in shapes:
                cols = row[start : start + len(names)]
                start += len(names)
                # A nullable relation's missing row reads as NULLs: no instance, as the ORM does.
                missing = cols[names.index(model._meta.pk.attname)] is None
                instance = None if missing else model.from_db(using, names, cols)
                if field is not None:
                    field.set_cached_value(instances[0], instance)
                instances.append(instance)
            found.append(tuple(instances))
        return found
