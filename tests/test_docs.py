"""Every command and option has help text and every command a row in the README's "Command
line" table; every module says what it is for."""

from __future__ import annotations

import ast
import re

import click
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
def test_every_option_has_help(name):
    command = main.commands[name]
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help and len(param.help) > 8, (name, param.opts)


def command_table() -> list[str]:
    """The first cells of the README's "Command line" table."""
    section = README.split("## Command line\n", 1)[1].split("\n#", 1)[0]
    return [line.split("|")[1] for line in section.splitlines()
            if line.startswith("| `kg ")]


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_documented_in_readme(name):
    assert any(re.match(rf"\s*`kg {name}\b", first) for first in command_table()), name


def test_readme_documents_no_command_that_is_gone():
    documented = {re.match(r"\s*`kg ([a-z-]+)", first).group(1) for first in command_table()}
    assert documented == set(COMMANDS)


def test_readme_quick_start_is_two_commands():
    quick = README.split("## Quick start", 1)[1].split("```", 2)[1]
    assert [line for line in quick.splitlines()[1:] if line.strip()] == ["make demo", "make test"]


@pytest.mark.parametrize("path", sorted((ROOT / "kg").rglob("*.py")), ids=str)
def test_module_has_a_docstring(path):
    if path.name == "__init__.py" and not path.read_text().strip():
        pytest.skip("empty package marker")
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), path
