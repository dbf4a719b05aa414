"""Column actions of the policy: one small registered class per action.

Each class says which settings it takes (:meth:`ColumnAction.check`, run when the policy is loaded)
and transforms one Arrow column (:meth:`ColumnAction.apply`), per distinct value, never per row in
Python. It returns its output columns (none for ``drop``) and what it did, for the ledger.
Free-text actions (``redact``, ``surrogate``) only mark their column here: the table's free-text
columns then go through the detector once and Presidio's anonymizer (``freetext.py``).

Add an action: subclass :class:`ColumnAction`, decorate it with ``@register("name")``, write its
test; the policy loader knows it from then on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.deidentify.policy import FieldRule
from pipelines.deidentify.transforms import (DOMAINS, NORMALISERS, Pseudonymiser, Surrogates, map_distinct,
                                             map_distinct_scoped, shift_dates)
from pipelines.schema import Schema, Table

ACTIONS: dict[str, type["ColumnAction"]] = {}


def register(name: str):
    def wrap(cls: type[ColumnAction]) -> type[ColumnAction]:
        cls.name = name
        ACTIONS[name] = cls
        return cls
    return wrap


@dataclass
class TableContext:
    """What an action may read besides its own column: the table, the episode's XML1 columns and
    the person of each row (pseudonym, date offset), aligned row by row."""

    table_id: str
    data: pa.Table
    episode: dict[str, pa.Array]  # XML1 columns of each row's episode (MA_CSKCB, NGAY_VAO, ...)
    shift_days: pa.Array  # int32 per row
    pseudonymiser: Pseudonymiser
    surrogates: Surrogates
    schema: Schema
    free_text_jobs: list[tuple[FieldRule, str]] = field(default_factory=list)
    vault_pairs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # domain -> (token, original)

    def column(self, name: str) -> pa.Array:
        if name in self.data.column_names:
            return self.data.column(name).combine_chunks().cast(pa.string())
        if name in self.episode:
            return self.episode[name]
        raise KeyError(name)

    def has(self, name: str) -> bool:
        return name in self.data.column_names or name in self.episode


def present(values: pa.Array) -> int:
    """Values that hold something (not null, not empty)."""
    return int(pc.sum(pc.fill_null(pc.greater(pc.utf8_length(values), 0), False)).as_py() or 0)


class ColumnAction:
    name: ClassVar[str] = ""
    params: ClassVar[frozenset[str]] = frozenset({"output"})
    needs_params: ClassVar[bool] = False  # True: cannot be a class default (needs per-field settings)
    verb: ClassVar[str] = "done"

    @classmethod
    def check(cls, rule: FieldRule, table: Table, schema: Schema) -> tuple[str, str] | None:
        unknown = set(rule.params) - cls.params
        if unknown:
            return sorted(unknown)[0], f"not a setting of action {cls.name} (settings: {sorted(cls.params)})"
        return None

    def apply(self, rule: FieldRule, values: pa.Array, ctx: TableContext) -> tuple[dict[str, pa.Array], dict[str, int]]:
        raise NotImplementedError


@register("drop")
class Drop(ColumnAction):
    """The column is not written at all."""
    params = frozenset()
    verb = "dropped"

    def apply(self, rule, values, ctx):
        return {}, {self.verb: present(values)}


@register("keep")
class Keep(ColumnAction):
    verb = "kept"

    def apply(self, rule, values, ctx):
        return {rule.output: values}, {self.verb: present(values)}


@register("suppress")
class Suppress(ColumnAction):
    """The column stays (same name, same rows) but every value is withheld."""
    verb = "suppressed"

    def apply(self, rule, values, ctx):
        return {rule.output: pa.nulls(len(values), pa.string())}, {self.verb: present(values)}


@register("pseudonymise")
class Pseudonymise(ColumnAction):
    """Keyed HMAC-SHA-256 of the normalised value; ``scope_by`` fields make the value unique
    (``MA_LK`` with ``MA_CSKCB``); ';'-joined lists are mapped item by item."""
    params = frozenset({"output", "domain", "normalise", "scope_by", "vault"})
    needs_params = True
    verb = "pseudonymised"

    @classmethod
    def check(cls, rule, table, schema):
        problem = super().check(rule, table, schema)
        if problem:
            return problem
        if rule.get("domain") not in DOMAINS:
            return "domain", f"must be one of {list(DOMAINS)}, got {rule.get('domain')!r}"
        if rule.get("normalise", "id") not in NORMALISERS:
            return "normalise", f"must be one of {sorted(NORMALISERS)}"
        scope_by = rule.get("scope_by") or []
        known = {f.name for t in schema.tables.values() for f in t.fields}
        if not isinstance(scope_by, list) or any(s not in known for s in scope_by):
            return "scope_by", f"a list of field names, got {scope_by!r}"
        return None

    def apply(self, rule, values, ctx):
        domain, kind = rule.get("domain"), rule.get("normalise", "id")
        separator = ctx.schema.table(ctx.table_id).by_name[rule.field].separator
        p = ctx.pseudonymiser
        vault = ctx.vault_pairs.setdefault(domain, []) if rule.get("vault") else None

        def single(value: str, scope: str | None = None) -> str | None:
            return p.token(domain, value, kind, scope) if value.strip() else None

        def listed(value: str, scope: str | None = None) -> str | None:
            parts = [v for v in (value.split(separator) if separator else [value])]
            tokens = [p.token(domain, v, kind, scope) if v.strip() else "" for v in parts]
            if vault is not None:  # re-contact allowed by the policy: the custodian's encrypted vault
                vault.extend((t, v) for t, v in zip(tokens, parts) if t)
            return (separator or "").join(tokens) if any(tokens) else None

        one = single if not separator and vault is None else listed  # most fields: one call per value
        scope_by = rule.get("scope_by") or []
        if scope_by:
            scope = ctx.column(scope_by[0])
            for extra in scope_by[1:]:
                scope = pc.binary_join_element_wise(scope, ctx.column(extra), "\x1e")
            out = map_distinct_scoped(values, scope, one)
        else:
            out = map_distinct(values, one)
        return {rule.output: out}, {self.verb: present(values)}


@register("date_shift")
class DateShift(ColumnAction):
    """Every date of a person moves by that person's offset (keyed, never zero): intervals stay exact."""
    verb = "shifted"

    def apply(self, rule, values, ctx):
        separator = ctx.schema.table(ctx.table_id).by_name[rule.field].separator
        if separator:
            out = shift_list(values, ctx.shift_days, separator)
        else:
            out = shift_dates(values, ctx.shift_days)
        counts = {self.verb: int(pc.sum(pc.is_valid(out).cast(pa.int64())).as_py() or 0)}
        unparsed = present(values) - counts[self.verb]
        if unparsed:
            counts["withheld_not_a_date"] = unparsed
        return {rule.output: out}, counts


def shift_list(values: pa.Array, offsets: pa.Array, separator: str) -> pa.Array:
    """';'-joined dates, each moved by its row's offset."""
    lists = pc.split_pattern(pc.fill_null(values, ""), separator)
    flat = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists)
    moved = pc.fill_null(shift_dates(flat, pc.take(offsets, parents)), "")
    rebuilt = pa.ListArray.from_arrays(lists.offsets, moved)
    joined = pc.binary_join(rebuilt, separator)
    return pc.if_else(pc.fill_null(pc.greater(pc.utf8_length(values), 0), False), joined, None)


@register("generalise")
class Generalise(ColumnAction):
    """Along a named hierarchy (``pipelines.hierarchies``) to a level. ``age_at`` first turns a
    birth date into completed years at that (real, unshifted) date; ``context`` passes other
    columns a hierarchy needs (geography: the encounter date)."""
    params = frozenset({"output", "hierarchy", "level", "from_level", "context", "age_at"})
    needs_params = True
    verb = "generalised"

    @classmethod
    def check(cls, rule, table, schema):
        problem = super().check(rule, table, schema)
        if problem:
            return problem
        try:
            from pipelines.hierarchies import get_hierarchy
            hierarchy = get_hierarchy(rule.get("hierarchy"))
        except (KeyError, ValueError) as exc:  # HierarchyError is a ValueError
            return "hierarchy", f"no hierarchy {rule.get('hierarchy')!r} ({exc})"
        levels = tuple(hierarchy.levels) + tuple(getattr(hierarchy, "extra_levels", ()))
        if rule.get("level") not in levels:
            return "level", f"{rule.get('level')!r} is not a level of {hierarchy.name}: {list(levels)}"
        if rule.get("from_level") is not None and rule.get("from_level") not in levels:
            return "from_level", f"{rule.get('from_level')!r} is not a level of {hierarchy.name}"
        context = rule.get("context") or {}
        known = {f.name for t in schema.tables.values() for f in t.fields}
        if not isinstance(context, dict) or any(v not in known for v in context.values()):
            return "context", f"a mapping of context name to field, got {context!r}"
        if rule.get("age_at") is not None and rule.get("age_at") not in known:
            return "age_at", f"no such field {rule.get('age_at')!r}"
        return None

    def apply(self, rule, values, ctx):
        from pipelines.hierarchies import get_hierarchy
        hierarchy = get_hierarchy(rule.get("hierarchy"))
        source = values
        from_level = rule.get("from_level")
        if rule.get("age_at"):
            source = age_in_years(values, ctx.column(rule.get("age_at")))
            from_level = from_level or "year"
        context = {name: ctx.column(f) for name, f in (rule.get("context") or {}).items()}
        out = hierarchy.generalise(source, rule.get("level"), from_level=from_level, context=context or None)
        if isinstance(out, pa.ChunkedArray):
            out = out.combine_chunks()
        out = pa.array(out) if not isinstance(out, pa.Array) else out
        return {rule.output: out.cast(pa.string())}, {self.verb: present(values)}


def age_in_years(birth: pa.Array, at: pa.Array) -> pa.Array:
    """Completed years at ``at`` (computed on the real dates, before any shift). A birth date with
    unknown month/day (``YYYY0000…``) counts from 1 July; no valid year gives null."""
    ok_b = pc.fill_null(pc.match_substring_regex(birth, r"^\d{8}"), False)
    ok_r = pc.fill_null(pc.match_substring_regex(at, r"^\d{8}"), False)
    ok = pc.and_(ok_b, ok_r)
    b = pc.if_else(ok, birth, "000000000000")
    r = pc.if_else(ok, at, "000000000000")
    by = pc.cast(pc.utf8_slice_codeunits(b, 0, 4), pa.int32())
    bmd = pc.cast(pc.utf8_slice_codeunits(b, 4, 8), pa.int32())
    bmd = pc.if_else(pc.equal(bmd, 0), 701, bmd)
    ry = pc.cast(pc.utf8_slice_codeunits(r, 0, 4), pa.int32())
    rmd = pc.cast(pc.utf8_slice_codeunits(r, 4, 8), pa.int32())
    years = pc.subtract(pc.subtract(ry, by), pc.less(rmd, bmd).cast(pa.int32()))
    return pc.if_else(pc.and_(ok, pc.greater_equal(years, 0)), years, None)


class FreeTextAction(ColumnAction):
    """Marks a free-text column for the table's one detector pass (``freetext.py``)."""
    profile: ClassVar[str] = ""
    verb = "redacted"

    def apply(self, rule, values, ctx):
        ctx.free_text_jobs.append((rule, self.profile))
        return {rule.output: values}, {}


@register("redact")
class Redact(FreeTextAction):
    """Free text: each detected span becomes a typed placeholder (or what ``free_text.redact`` says)."""
    profile = "redact"


@register("surrogate")
class Surrogate(FreeTextAction):
    """Free text: consistent readable fakes, dates shifted by the person's offset (``free_text.surrogate``)."""
    profile = "surrogate"
    verb = "surrogated"


def describe_actions() -> dict[str, Any]:
    """Name -> first docstring line, for the README and ``andanh`` help."""
    return {n: (a.__doc__ or "").strip().splitlines()[0] if a.__doc__ else "" for n, a in sorted(ACTIONS.items())}
