"""GraphQL handling with Shopify's (graphql-ruby's) error shapes.

A document is parsed, validated against the real Admin SDL when one is configured and always
against the modelled subset (so an unmodelled field is an `undefinedField` error, never a silent
null), its variables coerced, and then executed over the modelled subset with plain-dict views.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    build_schema,
    execute,
    is_input_type,
    is_non_null_type,
    parse,
    print_ast,
    type_from_ast,
    validate,
    value_from_ast_untyped,
)
from graphql.utilities import validate_input_value

from .resolvers import ShopifyError
from .schema_subset import MODEL_SDL

Errors = list[dict[str, Any]]
MUTATION_COST = 10  # captured: a mutation costs 10 points


@functools.cache
def load_schema(path: Path) -> GraphQLSchema:
    """The real Admin SDL (3.8 MB: built once per path and process)."""
    # Shopify's SDL breaks a graphql-core 3.3 schema rule (a deprecated field implementing a
    # non-deprecated interface field); it is Shopify's truth, so skip schema self-validation.
    return build_schema(path.read_text(encoding="utf-8"), assume_valid=True)


def _decimal_scalar(value: Any) -> str:
    text = str(value)
    try:
        Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    return text


def _datetime_scalar(value: Any) -> str:
    datetime.fromisoformat(str(value))
    return str(value)


@functools.cache
def model_schema() -> GraphQLSchema:
    schema = build_schema(MODEL_SDL)
    # Real parsing for the scalars the rules compute with, so bad values fail at coercion.
    for name, parser in (
        ("Money", _decimal_scalar),
        ("Decimal", _decimal_scalar),
        ("DateTime", _datetime_scalar),
    ):
        scalar = schema.type_map[name]
        scalar.parse_value = scalar.coerce_input_value = parser  # type: ignore[attr-defined]
    return schema


@dataclass
class Prepared:
    document: DocumentNode
    operation: OperationDefinitionNode
    variables: dict[str, Any]
    requested_cost: int

    @property
    def is_mutation(self) -> bool:
        return self.operation.operation == OperationType.MUTATION

    @property
    def root_fields(self) -> list[str]:
        return [
            s.name.value
            for s in self.operation.selection_set.selections
            if isinstance(s, FieldNode)
        ]


# graphql-core validation messages -> graphql-ruby's message and `extensions.code`.
_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, str, dict[str, str]]]]] = [
    (
        re.compile(r"Cannot query field '(\w+)' on type '(\w+)'"),
        lambda m: (
            f"Field '{m[1]}' doesn't exist on type '{m[2]}'",
            "undefinedField",
            {"typeName": m[2], "fieldName": m[1]},
        ),
    ),
    (
        re.compile(r"Unknown argument '(\w+)' on field '\w+\.(\w+)'"),
        lambda m: (
            f"Field '{m[2]}' doesn't accept argument '{m[1]}'",
            "argumentNotAccepted",
            {"name": m[2], "typeName": "Field", "argumentName": m[1]},
        ),
    ),
    (
        re.compile(r"Expected value of type '(\w+)!?' not to include unknown field '(\w+)'"),
        lambda m: (
            f"InputObject '{m[1]}' doesn't accept argument '{m[2]}'",
            "argumentNotAccepted",
            {"name": m[1], "typeName": "InputObject", "argumentName": m[2]},
        ),
    ),
    (
        re.compile(r"Argument '\w+\.(\w+)\((\w+):\)' of type '.+' is required"),
        lambda m: (
            f"Field '{m[1]}' is missing required arguments: {m[2]}",
            "missingRequiredArguments",
            {"className": "Field", "name": m[1], "arguments": m[2]},
        ),
    ),
    (
        re.compile(r"Expected value of type '(\w+)!?' to include required field '(\w+)'"),
        lambda m: (
            f"Argument '{m[2]}' on InputObject '{m[1]}' is required.",
            "missingRequiredInputObjectAttribute",
            {"argumentName": m[2], "inputObjectType": m[1]},
        ),
    ),
    (
        re.compile(r"Field '(\w+)' of type '(.+)' must have a selection of subfields"),
        lambda m: (
            f"Field must have selections (field '{m[1]}' returns {m[2]} but has no selections. "
            f"Did you mean '{m[1]} {{ ... }}'?)",
            "selectionMismatch",
            {"nodeName": f"field '{m[1]}'", "typeName": m[2]},
        ),
    ),
    (
        re.compile(r"Field '(\w+)' must not have a selection since type '(.+)' has no subfields"),
        lambda m: (
            f"Selections can't be made on scalars "
            f"(field '{m[1]}' returns {m[2]} but has selections)",
            "selectionMismatch",
            {"nodeName": f"field '{m[1]}'", "typeName": m[2]},
        ),
    ),
    (
        re.compile(r"Unknown directive '@(\w+)'"),
        lambda m: (
            f"Directive @{m[1]} is not defined",
            "undefinedDirective",
            {"directiveName": m[1]},
        ),
    ),
    (
        re.compile(r"Variable '\$(\w+)' is never used in operation '(\w+)'"),
        lambda m: (
            f"Variable ${m[1]} is declared by {m[2]} but not used",
            "variableNotUsed",
            {"variableName": m[1]},
        ),
    ),
    (
        re.compile(r"Variable '\$(\w+)' is not defined by operation '(\w+)'"),
        lambda m: (
            f"Variable ${m[1]} is used by {m[2]} but not declared",
            "variableNotDefined",
            {"variableName": m[1]},
        ),
    ),
    (
        re.compile(r"Unknown type '(\w+)'"),
        lambda m: (
            f"No such type {m[1]}, so it can't be a fragment condition",
            "undefinedType",
            {"typeName": m[1]},
        ),
    ),
    (
        re.compile(r"Fragment '(\w+)' is never used"),
        lambda m: (
            f"Fragment {m[1]} was defined, but not used",
            "useAndDefineFragment",
            {"fragmentName": m[1]},
        ),
    ),
    (
        re.compile(
            r"Fragment '(\w+)' cannot be spread here as objects of type '(\w+)' "
            r"can never be of type '(\w+)'"
        ),
        lambda m: (
            f"Fragment {m[1]} on {m[3]} can't be spread inside {m[2]}",
            "cannotSpreadFragment",
            {"fragmentName": m[1]},
        ),
    ),
]


def _node_paths(document: DocumentNode) -> dict[int, list[str]]:
    """graphql-ruby reports a validation error's position as a path through the document."""
    paths: dict[int, list[str]] = {}

    def walk(selection_set: SelectionSetNode | None, prefix: list[str]) -> None:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                path = [*prefix, selection.name.value]
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                path = [*prefix, f"... on {condition.name.value}" if condition else "..."]
            elif isinstance(selection, FragmentSpreadNode):
                path = [*prefix, f"... {selection.name.value}"]
            paths[id(selection)] = path
            walk(getattr(selection, "selection_set", None), path)

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            head = definition.operation.value + (
                f" {definition.name.value}" if definition.name else ""
            )
        elif isinstance(definition, FragmentDefinitionNode):
            head = f"fragment {definition.name.value}"
        else:
            continue
        paths[id(definition)] = [head]
        walk(definition.selection_set, [head])
    return paths


def _validation_error(error: GraphQLError, paths: dict[int, list[str]]) -> dict[str, Any]:
    message, code = error.message, "GRAPHQL_VALIDATION_FAILED"
    extra: dict[str, str] = {}
    for pattern, render in _RULES:
        match = pattern.search(error.message)
        if match:
            message, code, extra = render(match)
            break
    out: dict[str, Any] = {"message": message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    node_path = paths.get(id(error.nodes[0])) if error.nodes else None
    if node_path:
        out["path"] = node_path
    out["extensions"] = {"code": code, **extra}
    return out


def _syntax_error(error: GraphQLSyntaxError) -> dict[str, Any]:
    line, column = (
        (error.locations[0].line, error.locations[0].column) if error.locations else (1, 1)
    )
    found = re.search(r"found (.+?)\.?$", error.message)
    token = "end of file" if found is None or found[1] == "<EOF>" else found[1].strip("'")
    return {
        "message": f"syntax error, unexpected {token} at [{line}, {column}]",
        "locations": [{"line": line, "column": column}],
        "extensions": {"code": "PARSE_ERROR"},
    }


def _literal(python_repr: str) -> str:
    """graphql-core quotes values Python-style; graphql-ruby shows JSON-style strings."""
    return f'"{python_repr[1:-1]}"' if python_repr[:1] == "'" else python_repr


def _explanation(error: GraphQLError) -> tuple[list[str], str]:
    """graphql-core's coercion message -> (extra path, graphql-ruby's explanation)."""
    message = error.message
    if match := re.match(
        r"Expected value of type '(\w+)!?' not to include unknown field '(\w+)'", message
    ):
        return [match[2]], f"Field is not defined on {match[1]}"
    if match := re.match(
        r"Expected value of type '\w+!?' to include required field '(\w+)'", message
    ):
        return [match[1]], "Expected value to not be null"
    if message.startswith("Expected non-nullable type"):
        return [], "Expected value to not be null"
    if match := re.match(r"Value '(.*)' does not exist in '(\w+)' enum", message):
        values = ", ".join(model_schema().type_map[match[2]].values)  # type: ignore[attr-defined]
        return [], f'Expected "{match[1]}" to be one of: {values}'
    if match := re.match(r"Expected value of type '(\w+)', but .*; found: (.*)\.$", message):
        return [], f"Could not coerce value {_literal(match[2])} to {match[1]}"
    if match := re.match(r"(\w+) cannot represent [^:]*: (.*)$", message):
        return [], f"Could not coerce value {_literal(match[2])} to {match[1]}"
    return [], message


def _variable_errors(
    schema: GraphQLSchema, operation: OperationDefinitionNode, inputs: dict[str, Any]
) -> Errors:
    errors: Errors = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        var_type = type_from_ast(schema, definition.type)
        if var_type is None or not is_input_type(var_type):
            continue  # reported by validation
        problems = _problems(var_type, inputs, name, definition.default_value is None)
        if problems:
            located = [f"{'.'.join(p['path'])} ({p['explanation']})" for p in problems if p["path"]]
            suffix = f" for {', '.join(located)}" if located else ""
            loc = GraphQLError("", nodes=[definition]).locations or []
            message = (
                f"Variable ${name} of type {print_ast(definition.type)} was provided invalid value"
            )
            errors.append(
                {
                    "message": message + suffix,
                    "locations": [{"line": x.line, "column": x.column} for x in loc],
                    "extensions": {
                        "code": "INVALID_VARIABLE",
                        "value": inputs.get(name),
                        "problems": problems,
                    },
                }
            )
    return errors


def _problems(
    var_type: GraphQLInputType, inputs: dict[str, Any], name: str, required: bool
) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    if name not in inputs or inputs[name] is None:
        if is_non_null_type(var_type) and required:
            problems.append({"path": [], "explanation": "Expected value to not be null"})
        return problems

    def on_error(error: GraphQLError, path: list[str | int]) -> None:
        extra, explanation = _explanation(error)
        problems.append({"path": [*map(str, path), *extra], "explanation": explanation})

    validate_input_value(inputs[name], var_type, on_error)
    return problems


def _selections(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _selections(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _selections(fragments[selection.name.value].selection_set, fragments)


def _cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> int:
    """Shopify's documented estimate: objects 1, connections 2 + first x child, scalars 0."""
    total = 0
    for field in _selections(selection_set, fragments):
        if field.selection_set is None:
            continue
        child = _cost(field.selection_set, fragments, variables)
        args = {
            a.name.value: value_from_ast_untyped(a.value, variables) for a in field.arguments or ()
        }
        size = args.get("first") if args.get("first") is not None else args.get("last")
        if isinstance(size, int):
            total += 2 + size * child
        elif field.name.value in ("edges", "pageInfo"):
            total += child
        else:
            total += 1 + child
    return total


def actual_cost(data: Any) -> int:
    """Objects actually returned (connection wrappers are free)."""
    if isinstance(data, list):
        return sum(actual_cost(item) for item in data)
    if isinstance(data, dict):
        own = 0 if {"nodes", "edges", "pageInfo", "cursor"} & data.keys() else 1
        return own + sum(actual_cost(value) for value in data.values())
    return 0


def prepare(
    query: str,
    variables: dict[str, Any],
    operation_name: str | None,
    real_schema: GraphQLSchema | None,
) -> Prepared | Errors:
    """Parse, validate and coerce; returns the errors Shopify would answer with instead."""
    try:
        document = parse(query)
    except GraphQLSyntaxError as error:
        return [_syntax_error(error)]
    paths = _node_paths(document)
    for schema in (real_schema, model_schema()):
        if schema is None:
            continue
        validation = validate(schema, document)
        if validation:
            return [_validation_error(e, paths) for e in validation]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if len(chosen) != 1:
        message = (
            f'No operation named "{operation_name}"'
            if operation_name
            else "An operation name is required when sending multiple operations."
        )
        return [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]
    operation = chosen[0]
    for schema in (real_schema, model_schema()):
        if schema is not None and (errors := _variable_errors(schema, operation, variables)):
            return errors
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if operation.operation == OperationType.MUTATION:
        cost = MUTATION_COST * len(list(_selections(operation.selection_set, fragments)))
    else:
        cost = _cost(operation.selection_set, fragments, variables)
    return Prepared(document, operation, variables, cost)


def run(prepared: Prepared, root: dict[str, Callable[..., Any]]) -> dict[str, Any]:
    result: ExecutionResult = execute(  # type: ignore[assignment]
        model_schema(),
        prepared.document,
        root_value=root,
        variable_values=prepared.variables,
        operation_name=prepared.operation.name.value if prepared.operation.name else None,
        type_resolver=lambda value, _info, _type: value["__typename"],
    )
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [_execution_error(e) for e in result.errors]
    body["data"] = result.data
    return body


def _execution_error(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    if isinstance(original, ShopifyError):
        out: dict[str, Any] = {"message": original.message}
        if original.with_locations and error.locations:
            out["locations"] = [{"line": x.line, "column": x.column} for x in error.locations]
        out["extensions"] = original.extensions
        out["path"] = error.path
        return out
    if original is not None:
        raise original  # a simulator bug: fail loudly rather than answer like Shopify
    return error.formatted  # type: ignore[return-value]


__all__ = ["Prepared", "actual_cost", "load_schema", "model_schema", "prepare", "run"]
