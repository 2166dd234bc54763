"""Config loading: objects, files, env vars, mappings, namespaces."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from vial import Config, Vial

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # the test extra installs it before Python 3.11


class Settings:
    TEST_KEY = "foo"
    SECRET_KEY = "config"
    lower_case = "ignored"


def check(config: Config) -> None:
    assert config["TEST_KEY"] == "foo"
    assert config["SECRET_KEY"] == "config"
    assert "lower_case" not in config


def test_from_object(tmp_path: Path) -> None:
    config = Config(tmp_path)
    config.from_object(Settings)
    check(config)
    config = Config(tmp_path)
    config.from_object(f"{__name__}.Settings")
    check(config)


def test_from_pyfile(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text(
        "TEST_KEY = 'foo'\nSECRET_KEY = 'config'\nlower_case = 1\nFILE = __file__\n"
    )
    config = Config(tmp_path)
    assert config.from_pyfile("settings.py") is True
    check(config)
    assert config["FILE"] == str(tmp_path / "settings.py")


def test_from_pyfile_missing(tmp_path: Path) -> None:
    config = Config(tmp_path)
    assert config.from_pyfile("missing.py", silent=True) is False
    with pytest.raises(OSError, match="Unable to load configuration file"):
        config.from_pyfile("missing.py")


def test_from_envvar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "s.py").write_text("TEST_KEY = 'foo'\nSECRET_KEY = 'config'\n")
    config = Config(tmp_path)
    assert config.from_envvar("SETTINGS_PATH", silent=True) is False
    with pytest.raises(RuntimeError, match="'SETTINGS_PATH' is not set"):
        config.from_envvar("SETTINGS_PATH")
    monkeypatch.setenv("SETTINGS_PATH", str(tmp_path / "s.py"))
    assert config.from_envvar("SETTINGS_PATH") is True
    check(config)


def test_from_file_json_and_toml(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"TEST_KEY": "foo", "SECRET_KEY": "config"}))
    config = Config(tmp_path)
    assert config.from_file("c.json", json.load) is True
    check(config)
    assert config.from_file("nope.json", json.load, silent=True) is False
    with pytest.raises(OSError, match="Unable to load configuration file"):
        config.from_file("nope.json", json.load)
    (tmp_path / "c.toml").write_text('TEST_KEY = "foo"\nSECRET_KEY = "config"\n')
    config = Config(tmp_path)
    config.from_file("c.toml", tomllib.load, text=False)
    check(config)


def test_from_mapping() -> None:
    config = Config(".")
    config.from_mapping({"TEST_KEY": "foo", "lower_case": 1}, SECRET_KEY="config")
    check(config)
    config = Config(".")
    config.from_mapping([("TEST_KEY", "foo"), ("SECRET_KEY", "config")])  # type: ignore[arg-type]
    check(config)


def test_from_prefixed_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_STRING", "value")
    monkeypatch.setenv("VIAL_BOOL", "true")
    monkeypatch.setenv("VIAL_INT", "1")
    monkeypatch.setenv("VIAL_LIST", "[1, 2]")
    monkeypatch.setenv("VIAL_DB__HOST", "db")
    monkeypatch.setenv("VIAL_DB__PORT", "5432")
    monkeypatch.setenv("OTHER_THING", "x")
    config = Config(".")
    assert config.from_prefixed_env() is True
    assert config["STRING"] == "value"
    assert config["BOOL"] is True
    assert config["INT"] == 1
    assert config["LIST"] == [1, 2]
    assert config["DB"] == {"HOST": "db", "PORT": 5432}
    assert "THING" not in config


def test_from_prefixed_env_custom(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_KEY", "1")
    config = Config(".")
    config.from_prefixed_env("APP", loads=str)
    assert config["KEY"] == "1"
    config = Config(".", {"NESTED": {"EXISTING": 1}})
    monkeypatch.setenv("APP_NESTED__NEW", "2")
    config.from_prefixed_env("APP")
    assert config["NESTED"] == {"EXISTING": 1, "NEW": 2}


def test_get_namespace() -> None:
    config = Config(".")
    config.update(
        FOO_OPTION_1="foo option 1",
        FOO_OPTION_2="foo option 2",
        BAR_STUFF_1="bar stuff 1",
    )
    assert config.get_namespace("FOO_") == {"option_1": "foo option 1", "option_2": "foo option 2"}
    assert config.get_namespace("FOO_", lowercase=False) == {
        "OPTION_1": "foo option 1",
        "OPTION_2": "foo option 2",
    }
    assert config.get_namespace("FOO_", trim_namespace=False) == {
        "foo_option_1": "foo option 1",
        "foo_option_2": "foo option 2",
    }


def test_repr_and_defaults() -> None:
    config = Config(".", {"A": 1})
    assert repr(config) == "<Config {'A': 1}>"


def test_app_config_root_path(tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text("TEST_KEY = 'foo'\nSECRET_KEY = 'config'\n")
    app = Vial(__name__, root_path=str(tmp_path))
    app.config.from_pyfile("s.py")
    check(app.config)


def test_custom_config_class() -> None:
    class MyConfig(Config):
        pass

    class MyVial(Vial):
        config_class = MyConfig

    assert isinstance(MyVial(__name__).config, MyConfig)
