"""No import cycles anywhere in minirg, counting imports inside functions too.

The graph is built from the source (ast), so a lazy ``import`` in a function
body counts like a top-level one: a cycle that only bites at call time is
still a cycle for a reader. ``from pkg import name`` points at the submodule
``pkg.name`` when there is one, else at ``pkg``. The implicit import of a
package's ``__init__`` by its submodules is not an edge (Python runs it first
anyway; only explicit imports can close a loop).
"""

import ast
import pkgutil
from pathlib import Path

import minirg

ROOT = Path(minirg.__file__).parent


def _modules():
    """{module name: source path} for every module of the package."""
    out = {"minirg": ROOT / "__init__.py"}
    for info in pkgutil.walk_packages([str(ROOT)], prefix="minirg."):
        base = ROOT.joinpath(*info.name.split(".")[1:])
        out[info.name] = base / "__init__.py" if info.ispkg else base.with_suffix(".py")
    return out


def _targets(node, module, is_pkg, modules):
    """The minirg modules one Import/ImportFrom node names."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in modules]
    if node.level:  # relative: resolve against this module's package
        parts = module.split(".")[:len(module.split(".")) - node.level + is_pkg]
        base = ".".join(parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    out = []
    for a in node.names:
        sub = f"{base}.{a.name}"
        if sub in modules:
            out.append(sub)
        elif base in modules:
            out.append(base)
    return out


def import_graph():
    """{module: set of minirg modules it imports, anywhere in its source}."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_pkg = path.name == "__init__.py"
        graph[name] = {t for node in ast.walk(tree)
                       if isinstance(node, (ast.Import, ast.ImportFrom))
                       for t in _targets(node, name, is_pkg, modules) if t != name}
    return graph


def find_cycle(graph):
    """One cycle as a list of modules [a, b, ..., a], or None (iterative DFS)."""
    state, parent = {}, {}
    for root in sorted(graph):
        if root in state:
            continue
        stack = [(root, iter(sorted(graph[root])))]
        state[root] = "open"
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = "done"
                stack.pop()
            elif state.get(child) == "open":
                cycle = [child]
                while node != child:
                    cycle.append(node)
                    node = parent[node]
                return [child] + cycle[::-1]
            elif child not in state:
                state[child], parent[child] = "open", node
                stack.append((child, iter(sorted(graph.get(child, ())))))
    return None


def test_the_graph_sees_every_kind_of_import():
    graph = import_graph()
    assert "minirg.nn.checkpoint" in graph["minirg.nn.model"]     # from minirg.nn import X as y
    assert "minirg.nn.layers" in graph["minirg.nn"]                # from minirg.nn.layers import
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) in (["a", "b", "c", "a"],)
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_lazy_imports_count(tmp_path):
    tree = ast.parse("def f():\n    from minirg.nn import model\n")
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))
    assert _targets(node, "minirg.nn.train", False, _modules()) == ["minirg.nn.model"]


def test_no_import_cycle_in_minirg():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)
