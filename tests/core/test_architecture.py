"""The house's layout holds: imports run one way between the feature folders (docs/architecture.md),
and no module imports the app."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Each package may import only the packages listed under it, never one above it or beside it
# (docs/architecture.md, "Which way imports run").
MAY_IMPORT = {
    "core": set(),
    "org": {"core"},
    "accounts": {"core", "org"},
    "appraisal": {"core", "org"},
    "survey": {"core", "org", "appraisal"},
    "kiosk": {"core", "org", "appraisal", "survey"},
    "reports": {"core", "org", "appraisal"},
    "feedback": {"core", "org", "appraisal", "reports"},
    "skp": {"core", "org", "appraisal", "reports", "feedback"},
    "awards": {"core", "org", "appraisal", "reports"},
    "alerts": {"core", "org", "appraisal", "survey", "kiosk", "reports", "skp"},
    "home": {"core", "org", "appraisal", "survey", "kiosk", "reports", "feedback", "skp", "awards", "alerts"},
    "admin": {
        "core",
        "org",
        "accounts",
        "appraisal",
        "survey",
        "kiosk",
        "reports",
        "feedback",
        "skp",
        "awards",
        "alerts",
        "home",
    },
    "demo": {
        "core",
        "org",
        "accounts",
        "appraisal",
        "survey",
        "kiosk",
        "reports",
        "feedback",
        "skp",
        "awards",
        "alerts",
    },
}
TOP_LEVEL = set(MAY_IMPORT) | {"app", "config"}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, top-level first-party package) of every import in a file, function-level ones too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, name.split(".")[0]) for name in names if name.split(".")[0] in TOP_LEVEL]
    return found


def test_imports_run_one_way():
    wrong = []
    for package, allowed in MAY_IMPORT.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, imported in imports_of(path):
                if imported != package and imported not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert wrong == []


def test_every_package_is_placed():
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests", "bench", "migrations"}
    assert packages == set(MAY_IMPORT)


def test_within_a_package_no_module_imports_back_in_a_circle():
    """Inside each package, the modules that import one another do so without a circle."""
    for package in MAY_IMPORT:
        graph = {}
        for path in (ROOT / package).glob("*.py"):
            imported = set()
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.ImportFrom):
                    continue
                if node.level == 1:  # from .models import X; from . import accounts
                    imported |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
                elif node.module and node.module.startswith(package + "."):
                    imported.add(node.module.split(".")[1])
            graph[path.stem] = imported
        done = set()

        def visit(module, trail, package=package, graph=graph, done=done):
            assert module not in trail, f"{package}: import circle {' -> '.join([*trail, module])}"
            if module in done:
                return
            for other in graph.get(module, ()):
                if other in graph:
                    visit(other, [*trail, module])
            done.add(module)

        for module in graph:
            visit(module, [])
