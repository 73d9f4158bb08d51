"""The code's shape, checked: ruff (unused or misplaced imports, undefined names, bugbear, old
syntax) and import-linter (the layers in pyproject.toml: a domain importing a view, or the
foundation importing a domain, fails the suite)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is a test dependency: pip install -e '.[test]'"
    return found


def test_ruff_finds_nothing():
    run = subprocess.run([_tool("ruff"), "check", "pb", "tests", "bench", "migrations", "wsgi.py"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(cwd), "PATH": str(BIN), "NO_COLOR": "1"})


def test_the_layers_hold():
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.mark.parametrize("module,line,refused", [
    ("funds/grants.py", "from pb.rounds.views import bp", "pb.funds.grants -> pb.rounds.views"),  # a domain importing a view
    ("mail/__init__.py", "from pb.rounds.models import Round", "pb.mail -> pb.rounds.models"),  # the foundation, a domain
])
def test_a_wrong_import_breaks_the_layers(tmp_path, module, line, refused):
    """The contracts can fail: a copy of pb with one import pointing the wrong way is refused."""
    shutil.copytree(ROOT / "pb", tmp_path / "pb", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    path = tmp_path / "pb" / module
    path.write_text(path.read_text() + f"\n{line}  # noqa: E402,F401\n")
    run = _lint_imports(tmp_path)
    assert run.returncode == 1 and refused in run.stdout, run.stdout + run.stderr


def test_every_module_is_in_one_layer():
    """A new module must be placed: in a layer by name, or inside a package listed whole. A package
    split across layers (its views on top) keeps its __init__ free of imports, so nothing escapes."""
    import ast
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    listed = [name.strip() for layer in contract["layers"] for name in layer.replace("|", ":").split(":")]
    assert len(listed) == len(set(listed)), "a module is in two layers"
    unplaced, leaky = [], []
    for path in sorted((ROOT / "pb").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if module.endswith(".__init__"):
            package = module.removesuffix(".__init__")
            covered = any(package == name or package.startswith(name + ".") for name in listed)
            imports = [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Import | ast.ImportFrom)]
            if not covered and package != "pb" and imports:
                leaky.append(package)
            continue
        module = module.removesuffix(".__main__")
        if not any(module == name or module.startswith(name + ".") for name in listed):
            unplaced.append(module)
    assert not unplaced, f"not in any layer (pyproject.toml): {unplaced}"
    assert not leaky, f"split across layers, yet its __init__ imports: {leaky}"
