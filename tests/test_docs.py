"""Every command has help text and a place in the README; every module says what it is for."""

from __future__ import annotations

import ast

import pytest
from click.testing import CliRunner
from conftest import ROOT

from kg.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help(name):
    command = main.commands[name]
    assert command.help and len(command.help) > 20
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_documented_in_readme(name):
    assert f"kg {name}" in README


def test_readme_quick_start_is_two_commands():
    quick = README.split("## Quick start", 1)[1].split("```", 2)[1]
    assert [line for line in quick.splitlines()[1:] if line.strip()] == ["make demo", "make test"]


@pytest.mark.parametrize("path", sorted((ROOT / "kg").rglob("*.py")), ids=str)
def test_module_has_a_docstring(path):
    if path.name == "__init__.py" and not path.read_text().strip():
        pytest.skip("empty package marker")
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), path
