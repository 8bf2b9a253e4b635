"""Rows read by one plain SQL statement, for the few queries every request makes.

Building and compiling an ORM query costs far more than the query itself: on the 2-core test
machine ``User.objects.get(pk=...)`` takes about 580 µs, of which about 60 µs is PostgreSQL's
round trip (docs/PERFORMANCE.md). The lookups made on every request (the signed-in user, an API
token) therefore write their SELECT once, from the models' own metadata so it follows their
fields, and turn the row back into model instances with ``Model.from_db``: the same objects the
ORM would give, without building the query each time. Everything else uses the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models


class Columns:
    """Every concrete column of ``model``, read under a table alias, in field order."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        self.model = model
        connection = connections["default"]
        fields = model._meta.concrete_fields
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{quote(str(f.column))}" for f in fields)
        self.attnames = [f.attname for f in fields]
        # The driver's values made into the fields' Python values, as the ORM's compiler does
        # (SQLite gives datetimes as text and booleans as 0/1; PostgreSQL needs almost none).
        self.converters: list[tuple[int, list[Any], Any]] = []
        for index, field in enumerate(fields):
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                self.converters.append((index, found, col))

    def build(self, row: Sequence[Any], start: int = 0, *, using: str = "default") -> Any:
        """The model instance held in ``row[start:]``, as the ORM would have made it."""
        values = list(row[start : start + len(self.attnames)])
        connection = connections[using]
        for index, converters, col in self.converters:
            for convert in converters:
                values[index] = convert(values[index], col, connection)
        return self.model.from_db(using, self.attnames, values)

    def __len__(self) -> int:
        return len(self.attnames)


def fetch_one(sql: str, params: Sequence[Any], *, using: str = "default") -> Sequence[Any] | None:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row: Sequence[Any] | None = cursor.fetchone()
        return row


def select_from(model: type[models.Model], *, where: str) -> tuple[Columns, str]:
    """``SELECT a.* FROM model a WHERE <where>``, with its columns, to build ``model`` rows."""
    quote = connections["default"].ops.quote_name
    columns = Columns(model, "a")
    return columns, f"SELECT {columns.sql} FROM {quote(model._meta.db_table)} a WHERE {where}"


def select_pair(
    first: type[models.Model],
    second: type[models.Model],
    *,
    on: str,
    where: str,
    join: str = "JOIN",
    extra: str = "",
) -> tuple[Columns, Columns, str]:
    """``SELECT a.*, b.* [, extra] FROM first a <join> second b ON <on> WHERE <where>``, with
    the columns of both, so a row builds ``first`` (from 0) and ``second`` (after it)."""
    quote = connections["default"].ops.quote_name
    a, b = Columns(first, "a"), Columns(second, "b")
    sql = (
        f"SELECT {a.sql}, {b.sql}{', ' + extra if extra else ''} "
        f"FROM {quote(first._meta.db_table)} a {join} {quote(second._meta.db_table)} b "
        f"ON {on} WHERE {where}"
    )
    return a, b, sql
