"""AbstractDataset's Kedro 1.x contract: error wrapping, exists/release, str, helpers."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from runadvisor.exceptions import RunAdvisorError
from runadvisor.io import (
    AbstractDataset,
    DatasetError,
    DatasetNotFoundError,
    DatasetValueError,
    dataset_exists,
    is_dataset,
    is_ephemeral,
    release_dataset,
)


class Box(AbstractDataset):
    """A minimal new-style dataset; ``fail`` makes load/save raise it."""

    def __init__(self, path: str = "box", fail: BaseException | None = None) -> None:
        self.path = path
        self.fail = fail
        self.data: Any = None
        self.released = 0

    def load(self) -> Any:
        if self.fail:
            raise self.fail
        return self.data

    def save(self, data: Any) -> None:
        if self.fail:
            raise self.fail
        self.data = data

    def _exists(self) -> bool:
        if isinstance(self.fail, OSError):
            raise self.fail
        return self.data is not None

    def _release(self) -> None:
        if isinstance(self.fail, OSError):
            raise self.fail
        self.released += 1
        self.data = None

    def _describe(self) -> dict[str, Any]:
        return {"path": self.path, "extra": None}


class LegacyBox(AbstractDataset):
    """Kedro < 0.19 style: ``_load``/``_save``."""

    def __init__(self) -> None:
        self.data: Any = None

    def _load(self) -> Any:
        if self.data == "boom":
            raise KeyError("boom")
        return self.data

    def _save(self, data: Any) -> None:
        self.data = data

    def _describe(self) -> dict[str, Any]:
        return {}


class SubBox(Box):
    def load(self) -> Any:
        return super().load()


def test_errors_are_runadvisor_errors() -> None:
    assert issubclass(DatasetError, RunAdvisorError)
    assert issubclass(DatasetNotFoundError, DatasetError)
    assert issubclass(DatasetValueError, DatasetError)
    assert issubclass(DatasetValueError, ValueError)


def test_load_and_save_round_trip() -> None:
    box = Box()
    box.save([1])
    assert box.load() == [1]
    assert box.exists()


def test_load_failure_becomes_dataset_error_naming_the_dataset() -> None:
    cause = ValueError("disk on fire")
    with pytest.raises(DatasetError) as info:
        Box("a/b", fail=cause).load()
    expected = "Failed while loading data from dataset Box(path='a/b').\ndisk on fire"
    assert str(info.value) == expected
    assert info.value.__cause__ is cause


def test_save_failure_becomes_dataset_error_naming_the_dataset() -> None:
    cause = RuntimeError("no space")
    with pytest.raises(DatasetError) as info:
        Box("out", fail=cause).save(1)
    assert str(info.value) == "Failed while saving data to dataset Box(path='out').\nno space"
    assert info.value.__cause__ is cause


def test_file_errors_on_save_are_wrapped_too() -> None:
    with pytest.raises(DatasetError, match="Failed while saving data to dataset Box"):
        Box(fail=FileNotFoundError("x")).save(1)


def test_dataset_errors_pass_through_unchanged() -> None:
    original = DatasetError("already clear")
    with pytest.raises(DatasetError) as info:
        Box(fail=original).load()
    assert info.value is original


def test_saving_none_is_refused_with_the_dataset_named() -> None:
    box = Box("p")
    with pytest.raises(DatasetError) as info:
        box.save(None)
    message = str(info.value)
    assert "Saving 'None' to a 'Dataset' is not allowed" in message
    assert "Box(path='p')" in message
    assert "return a value" in message


def test_legacy_underscore_methods_are_wrapped() -> None:
    box = LegacyBox()
    box.save(3)
    assert box.load() == 3
    box.save("boom")
    with pytest.raises(DatasetError, match=r"Failed while loading data from dataset LegacyBox\(\)"):
        box.load()
    with pytest.raises(DatasetError, match="Saving 'None'"):
        box.save(None)


def test_subclass_of_a_dataset_is_wrapped_once() -> None:
    cause = ValueError("inner")
    with pytest.raises(DatasetError) as info:
        SubBox(fail=cause).load()
    assert info.value.__cause__ is cause
    assert str(info.value).count("Failed while loading") == 1


def test_describe_is_required() -> None:
    class NoDescribe(AbstractDataset):
        def load(self) -> Any:
            return 1

        def save(self, data: Any) -> None:
            pass

    with pytest.raises(TypeError, match="_describe"):
        NoDescribe()  # type: ignore[abstract]


def test_exists_defaults_to_false_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    class NoExists(AbstractDataset):
        def load(self) -> Any:
            return 1

        def save(self, data: Any) -> None:
            pass

        def _describe(self) -> dict[str, Any]:
            return {}

    with caplog.at_level(logging.WARNING):
        assert NoExists().exists() is False
    assert "'exists()' not implemented for 'NoExists'" in caplog.text
    NoExists().release()  # _release defaults to doing nothing


def test_exists_and_release_errors_are_wrapped() -> None:
    box = Box("e", fail=OSError("gone"))
    with pytest.raises(DatasetError, match=r"during exists check for dataset Box\(path='e'\)"):
        box.exists()
    with pytest.raises(DatasetError, match=r"Failed during release for dataset Box\(path='e'\)"):
        box.release()


def test_release_calls_underscore_release() -> None:
    box = Box()
    box.save(1)
    box.release()
    assert box.released == 1
    assert not box.exists()


def test_str_omits_none_and_repr_matches() -> None:
    box = Box("x")
    assert str(box) == "Box(path='x')"
    assert repr(box) == str(box)


def test_str_survives_a_broken_describe() -> None:
    class Broken(Box):
        def _describe(self) -> dict[str, Any]:
            raise RuntimeError("bad")

    class NotADict(Box):
        def _describe(self) -> dict[str, Any]:
            return ["x"]  # type: ignore[return-value]

    assert str(Broken()) == "Broken()"
    assert str(NotADict()) == "NotADict()"


def test_ephemeral_flag_defaults_to_false() -> None:
    assert AbstractDataset._EPHEMERAL is False
    assert is_ephemeral(Box()) is False


def test_is_ephemeral_reads_class_and_instance_attributes() -> None:
    class KedroStyle:
        def __init__(self) -> None:
            self._EPHEMERAL = True  # kedro's MemoryDataset sets it per instance

    class Proxy:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("must not forward")

    class ClassFlag(Box):
        _EPHEMERAL = True

    assert is_ephemeral(KedroStyle())
    assert is_ephemeral(ClassFlag())
    assert not is_ephemeral(Proxy())
    assert not is_ephemeral(object())


def test_duck_typing_helpers() -> None:
    class Duck:
        def load(self) -> int:
            return 1

        def save(self, data: Any) -> None:
            pass

    assert is_dataset(Duck())
    assert not is_dataset(Duck)  # the class is not a dataset
    assert not is_dataset([1])
    assert dataset_exists(Duck()) is True  # no exists(): assumed there
    release_dataset(Duck())  # no release(): nothing happens
    box = Box()
    assert dataset_exists(box) is False
    box.save(1)
    release_dataset(box)
    assert box.released == 1


class Configured(AbstractDataset):
    """Records its constructor arguments, as every AbstractDataset subclass does."""

    def __init__(self, path: str, options: dict[str, Any] | None = None, *, flag: bool = False):
        self.path = path
        self.options = options
        self.flag = flag

    def load(self) -> Any:
        return self.path

    def save(self, data: Any) -> None:
        self.path = data

    def _describe(self) -> dict[str, Any]:
        return {"path": self.path}


class ConfiguredChild(Configured):
    def __init__(self, path: str, version: Any = None, metadata: Any = None) -> None:
        super().__init__(path, options={"from": "child"})
        self.version = version


def test_constructor_arguments_are_kept_with_their_defaults() -> None:
    dataset = Configured("a.csv", flag=True)
    assert dataset._init_args == {"path": "a.csv", "options": None, "flag": True}
    assert dataset._init_config() == {
        "type": f"{__name__}.Configured",
        "path": "a.csv",
        "options": None,
        "flag": True,
    }


def test_the_most_derived_constructor_wins_and_version_becomes_versioned() -> None:
    dataset = ConfiguredChild("b", version=("l", "s"), metadata={"m": 1})
    assert dataset._init_args == {"path": "b", "version": ("l", "s"), "metadata": {"m": 1}}
    assert dataset._init_config() == {
        "type": f"{__name__}.ConfiguredChild",
        "path": "b",
        "versioned": True,
    }
    assert ConfiguredChild("c")._init_config() == {
        "type": f"{__name__}.ConfiguredChild",
        "path": "c",
    }


def test_memory_datasets_do_not_keep_a_second_reference_to_their_data() -> None:
    from runadvisor.io import MemoryDataset

    payload = [1, 2]
    dataset = MemoryDataset(payload)
    assert "_init_args" not in vars(dataset)
    assert dataset._init_config() == {"type": "runadvisor.io.memory.MemoryDataset"}


def test_copy_replaces_attributes_on_a_deep_copy() -> None:
    original = Configured("a", options={"k": [1]})
    clone = original._copy(path="b")
    assert clone.path == "b"
    assert original.path == "a"
    assert clone.options == {"k": [1]}
    assert clone.options is not original.options


def test_load_and_save_are_wrapped_through_overridable_classmethods() -> None:
    calls: list[str] = []

    class Logged(Box):
        @classmethod
        def _load_wrapper(cls, load_func: Any) -> Any:
            def load(self: Any) -> Any:
                calls.append("load")
                return load_func(self)

            return load

        def load(self) -> Any:
            return "data"

    assert Logged().load() == "data"
    assert calls == ["load"]


def test_datasets_are_generic_in_what_they_save_and_load() -> None:
    from runadvisor.io import AbstractVersionedDataset

    class Numbers(AbstractDataset[list, list]):
        def __init__(self) -> None:
            self.data: list = []

        def _load(self) -> list:
            return self.data

        def _save(self, data: list) -> None:
            self.data = data

        def _describe(self) -> dict[str, Any]:
            return {}

    class Versioned(AbstractVersionedDataset[str, str]):
        def _load(self) -> str:
            return "x"

        def _save(self, data: str) -> None:
            pass

        def _describe(self) -> dict[str, Any]:
            return {}

    numbers = Numbers()
    numbers.save([1, 2])
    assert numbers.load() == [1, 2]
    with pytest.raises(DatasetError, match="Saving 'None'"):
        numbers.save(None)
    assert issubclass(Versioned, AbstractDataset)
