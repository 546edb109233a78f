"""The package's shape: no import cycle among its modules, no source file over 400 lines."""

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent / "src" / "lstmkit"


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """lstmkit modules imported anywhere in ``path`` (deferred imports inside functions too)."""
    found = set()
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + [base]).strip(".")
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != "lstmkit":
                found.add(name)
    return found


def test_no_import_cycle_among_the_packages_modules():
    files = {_module(p): p for p in ROOT.rglob("*.py")}
    graph = {m: _imports(path, set(files)) - {m} for m, path in files.items() if m != "lstmkit"}
    state, cycles = {}, []

    def visit(m, stack):
        state[m] = "open"
        for n in graph.get(m, ()):
            if state.get(n) == "open":
                cycles.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n, stack + [n])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, f"import cycles: {cycles[:3]}"


def test_no_source_file_over_400_lines():
    lengths = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in ROOT.rglob("*.py")}
    long = {name: n for name, n in lengths.items() if n > 400}
    assert not long, long
