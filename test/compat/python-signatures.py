"""Reads the Python nextcloud-mcp-server's tool signatures (its @mcp.tool functions) into JSON.

Usage: python3 test/compat/python-signatures.py <checkout of cbcoutinho/nextcloud-mcp-server v0.181.0> \
    > test/compat/python-tools.json
"""
import ast
import json
import pathlib
import sys


def literal(node):
    try:
        return ast.literal_eval(node)
    except Exception:
        return {"expr": ast.unparse(node)}


def main(root: str) -> None:
    tools = []
    for path in sorted(pathlib.Path(root, "nextcloud_mcp_server", "server").glob("*.py")):
        tree = ast.parse(path.read_text())
        aliases = {}
        constants = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                aliases[node.targets[0].id] = ast.unparse(node.value)
                constants[node.targets[0].id] = node.value
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                constants[node.target.id] = node.value
        for node in ast.walk(tree):
            if not isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
                continue
            if not any("mcp.tool" in ast.unparse(d) for d in node.decorator_list):
                continue
            args = node.args.args
            defaults = [None] * (len(args) - len(node.args.defaults)) + list(node.args.defaults)
            args = args + node.args.kwonlyargs
            defaults = defaults + list(node.args.kw_defaults)
            params = []
            for arg, default in zip(args, defaults):
                if arg.arg == "ctx":
                    continue
                annotation = ast.unparse(arg.annotation) if arg.annotation else None
                param = {"name": arg.arg, "type": annotation, "required": default is None}
                if annotation in aliases:
                    param["type_alias"] = aliases[annotation]
                if default is not None:
                    value = default
                    if isinstance(value, ast.Name) and value.id in constants:
                        value = constants[value.id]
                    param["default"] = literal(value)
                params.append(param)
            tools.append({"name": node.name, "module": path.stem, "params": params})
    json.dump({"source": "cbcoutinho/nextcloud-mcp-server v0.181.0", "tools": tools}, sys.stdout, indent=2)
    sys.stdout.write("\n")


main(sys.argv[1])
