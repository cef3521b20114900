"""SQL pieces the indicators share, the same on PostgreSQL and SQLite: the bucket (week)
a timestamp falls in, a duration in seconds, nearest-rank percentiles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

Bounds = list[tuple[datetime, datetime]]


class seconds_between(FunctionElement):  # noqa: N801 (an SQL function)
    """``end - start`` in seconds."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def bucket(column: Any, bounds: Bounds) -> ColumnElement:
    """The index of the interval of ``bounds`` holding ``column`` (NULL: none)."""
    return case(*((and_(column >= start, column < end), index)
                  for index, (start, end) in enumerate(bounds)), else_=None)


def within(column: Any, bounds: Bounds) -> ColumnElement:
    return and_(column >= bounds[0][0], column < bounds[-1][1])


def rank(q: int, n: Any) -> Any:
    """The nearest rank of the ``q``-th percentile among ``n`` ordered values:
    ceil(q/100 × n), in integers (as bench/report.py's ``percentile``)."""
    return (q * n + 99) // 100


def percentiles(keys: list[Any], value: Any, where: list[Any], joins: Any,
                qs: tuple[int, ...] = (50, 90)) -> Any:
    """Per ``keys``: how many values, and the nearest-rank percentiles ``qs`` of
    ``value``, computed by the database (a window over the rows, never fetched)."""
    named = [key.label(f"k{index}") for index, key in enumerate(keys)]
    ordered = (select(*named, value.label("v"),
                      func.row_number().over(partition_by=keys, order_by=value).label("rn"),
                      func.count().over(partition_by=keys).label("n"))
               .select_from(joins).where(*where).subquery())
    columns = [ordered.c[f"k{index}"] for index in range(len(keys))]
    return (select(*columns, func.max(ordered.c.n),
                   *(func.max(case((ordered.c.rn == rank(q, ordered.c.n), ordered.c.v)))
                     for q in qs))
            .group_by(*columns))
