"""Generate docs/components.md from the registry:

    python docs/gen_components.py > docs/components.md

Every built-in component by kind, with its arguments (type, default,
description) and the rules that tie arguments together. Schedulers of one
family (`...LR`, `...Momentum`, `...ParamScheduler`) share their arguments and
are listed together.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from sspec.compiler.values import show
from sspec.registry import PRIORITIES, all_components

KIND_TITLES = {
    "optimizer": "Optimizers",
    "scheduler": "Schedulers",
    "hook": "Hooks",
    "model": "Models",
    "data": "Data",
}

KIND_NOTES = {
    "optimizer": "Written `optimizer Name(args) { params ... }`. The parameter-group keys "
                 "of an optimizer (its arguments) may also be set per `params` rule and "
                 "scheduled with `schedule KEY`.",
    "scheduler": "Written in a phase, `[begin, end) Name(args) per iter|epoch`. Arguments "
                 "marked *steps* count scheduler steps from the phase's begin and may carry "
                 "a unit (see docs/language.md).",
    "hook": "Written `hook [label =] Name(args) [priority P] [after A] [before B]`.",
    "model": "Written `model = name(args)`.",
    "data": "Written `data = name(args)`. Each knows its number of batches per epoch, so "
            "`train { iters_per_epoch }` may be left out.",
}


def _value(value: Any) -> str:
    if isinstance(value, list):
        value = tuple(value)
    return show(value)


def _range(schema: Mapping) -> str:
    parts = []
    for key, word in (("minimum", "≥"), ("exclusiveMinimum", ">"),
                      ("maximum", "≤"), ("exclusiveMaximum", "<")):
        if key in schema:
            parts.append(f"{word} {_value(schema[key])}")
    return " " + ", ".join(parts) if parts else ""


def type_of(schema: Mapping) -> str:
    """A JSON Schema said in a few words: `number ≥ 0`, `list of integer ≥ 0`."""
    if "enum" in schema:
        return "one of " + ", ".join(_value(v) for v in schema["enum"])
    if "const" in schema:
        return _value(schema["const"])
    if "anyOf" in schema:
        return " or ".join(type_of(s) for s in schema["anyOf"])
    types = schema.get("type")
    if isinstance(types, list):
        return " or ".join(type_of({**schema, "type": t}) for t in types)
    if types in ("number", "integer"):
        return types + _range(schema)
    if types == "null":
        return "none"
    if types == "duration":
        units = schema.get("x-units")
        return "duration" + (" in " + " or ".join(f"`{u}`" for u in units) if units else "")
    if types == "array":
        if "prefixItems" in schema:
            items = [type_of(s) for s in schema["prefixItems"]]
            return "pair (" + "; ".join(items) + ")" if len(set(items)) > 1 \
                else f"pair of {items[0]}"
        return f"list of {type_of(schema.get('items', {}))}"
    if types == "object":
        if "properties" in schema:
            return "mapping {" + ", ".join(schema["properties"]) + "}"
        values = schema.get("additionalProperties")
        return f"mapping of name to {type_of(values)}" if isinstance(values, Mapping) \
            else "mapping"
    return types or "any value"


def rules(schema: Any) -> list[str]:
    """The sentences of the cross-argument rules (`x-message`) in `schema`."""
    found: list[str] = []
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            if key == "x-message":
                found.append(value)
            elif key != "properties":
                found += rules(value)
    elif isinstance(schema, (list, tuple)):
        for value in schema:
            found += rules(value)
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def arguments_table(schema: Mapping) -> list[str]:
    props = schema.get("properties", {})
    if not props:
        return ["No arguments."]
    required = set(schema.get("required", ()))
    out = ["| argument | type | default | description |", "|---|---|---|---|"]
    for name, prop in props.items():
        kind = type_of(prop)
        if prop.get("x-steps"):
            kind = f"*steps*: {kind}"
        if name in required:
            default = "required"
        elif "default" in prop:
            default = f"`{_value(prop['default'])}`"
        else:
            default = "—"
        out.append(f"| `{name}` | {_cell(kind)} | {_cell(default)} | "
                   f"{_cell(prop.get('description', ''))} |")
    return out


def _sentences(doc: str) -> list[str]:
    return [s.strip() + "." for s in doc.strip().rstrip(".").split(". ")]


def _groups(components: Iterable) -> list[list]:
    """Components sharing one schema object (a scheduler family) go together."""
    groups: dict[int, list] = {}
    for comp in components:
        groups.setdefault(id(comp.schema), []).append(comp)
    return list(groups.values())


def _target(comp) -> str:
    allowed = comp.schema.get("x-params")
    if allowed:
        return "schedules only " + ", ".join(f"`{p}`" for p in allowed)
    if comp.param is None:
        return "schedules the target of `schedule P`"
    return f"schedules `{comp.param}`"


def component_section(group: list) -> list[str]:
    first = group[0]
    names = ", ".join(c.name for c in group)
    out = [f"### {names}", ""]
    docs = [_sentences(c.doc) for c in group]
    common = 0
    while all(len(d) > common and d[common] == docs[0][common] for d in docs):
        common += 1
    if common:
        out += [" ".join(docs[0][:common]), ""]
    if first.kind == "scheduler":
        for comp, doc in zip(group, docs):
            rest = " ".join(s for s in doc[common:] if not s.startswith("Schedules the"))
            out.append(f"- `{comp.name}` {_target(comp)}" + (f": {rest}" if rest else "."))
        if first.schema.get("x-per"):
            out.append(f"- Stepped only `per {first.schema['x-per'][0]}`.")
        out.append("")
    elif len(group) > 1:
        out += [f"- `{c.name}`: {' '.join(d[common:])}" for c, d in zip(group, docs)] + [""]
    if first.kind == "hook":
        writes = (" Writes " + ", ".join(f"`{w}`" for w in first.writes) + "."
                  if first.writes else "")
        needs = (" Needs a model with " + ", ".join(f"`{r}`" for r in first.requires) + "."
                 if first.requires else "")
        out += [f"Default priority `{first.priority}` ({PRIORITIES[first.priority]}); hook "
                "points: " + ", ".join(f"`{p}`" for p in first.points) + "." + writes + needs, ""]
    if first.kind == "model" and first.provides:
        out += ["Has " + ", ".join(f"`{p}`" for p in first.provides)
                + " (what the hooks that need them use).", ""]
    out += arguments_table(first.schema)
    found = rules(first.schema)
    if found:
        out += ["", "Rules: " + "; ".join(found) + "."]
    out.append("")
    return out


def markdown() -> str:
    components = list(all_components().values())
    out = ["# Built-in components", "",
           "<!-- Generated from the registry by "
           "`python docs/gen_components.py > docs/components.md`; do not edit. -->", "",
           "Every component a recipe can name without `use`, by kind, with its "
           "arguments. Arguments are passed by name; a default of — means the "
           "argument is optional and has no fixed default. The language is described "
           "in [language.md](language.md).", ""]
    for kind, title in KIND_TITLES.items():
        names = [c.name for c in components if c.kind == kind]
        out.append(f"- [{title}](#{title.lower()}): " + ", ".join(f"`{n}`" for n in names))
    out.append("")
    for kind, title in KIND_TITLES.items():
        out += [f"## {title}", "", KIND_NOTES[kind], ""]
        for group in _groups(c for c in components if c.kind == kind):
            out += component_section(group)
    return "\n".join(out).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
