"""find_unpicklable: the attribute path of the part that will not pickle."""

from __future__ import annotations

import pickle
import threading
from typing import Any

from runadvisor.io import find_unpicklable

LOCK_ERROR = "cannot pickle '_thread.lock' object"


class Session:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.url = "https://example.org"


class Client:
    def __init__(self) -> None:
        self.retries = 3
        self.session = Session()


class Model:
    def __init__(self) -> None:
        self.weights = [0.5] * 10
        self._client = Client()


class Slotted:
    __slots__ = ("fine", "lock")

    def __init__(self) -> None:
        self.fine = 1
        self.lock = threading.Lock()


class CustomState:
    """Pickles only what __getstate__ returns: the lock is left out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kept = [threading.RLock()]

    def __getstate__(self) -> dict[str, Any]:
        return {"kept": self.kept}


def test_picklable_objects_give_none() -> None:
    assert find_unpicklable({"a": [1, (2, 3)], "f": lambda x: x}) is None
    assert find_unpicklable(Client.__init__) is None


def test_lock_inside_an_object_inside_a_dict() -> None:
    found = find_unpicklable({"model": Model(), "other": 1}, root="catalog")
    assert found == f"catalog['model']._client.session._lock: {LOCK_ERROR}"


def test_the_default_root_is_obj() -> None:
    assert find_unpicklable(threading.Lock()) == f"obj: {LOCK_ERROR}"


def test_sequences_and_sets_use_indexes() -> None:
    assert find_unpicklable([1, (2, threading.Lock())]) == f"obj[1][1]: {LOCK_ERROR}"
    found = find_unpicklable({"s": frozenset([threading.Lock()])})
    assert found == f"obj['s'][0]: {LOCK_ERROR}"


def test_slots_are_walked() -> None:
    assert find_unpicklable(Slotted(), root="x") == f"x.lock: {LOCK_ERROR}"


def test_getstate_decides_what_is_walked() -> None:
    found = find_unpicklable(CustomState())
    assert found == "obj.kept[0]: cannot pickle '_thread.RLock' object"


def test_reduce_ex_results_are_walked() -> None:
    class Reduced:
        def __init__(self, payload: Any) -> None:
            self.payload = payload

        def __reduce__(self) -> Any:
            return (Reduced, (self.payload,))

    found = find_unpicklable(Reduced(["ok", threading.Lock()]))
    assert found == f"obj.__reduce__()[1][0][1]: {LOCK_ERROR}"


def test_closures_and_globals_of_functions_are_walked() -> None:
    lock = threading.Lock()

    def uses_lock() -> bool:
        return lock.locked()

    found = find_unpicklable({"node": uses_lock})
    assert found == f"obj['node'].__closure__['lock']: {LOCK_ERROR}"


def test_bound_methods_lead_to_their_instance() -> None:
    found = find_unpicklable(Session().__init__)
    assert found == f"obj.__self__._lock: {LOCK_ERROR}"


def test_cycles_terminate() -> None:
    a: dict[str, Any] = {}
    b: dict[str, Any] = {"a": a}
    a["b"] = b
    a["lock"] = threading.Lock()
    assert find_unpicklable(a) == f"obj['lock']: {LOCK_ERROR}"


def test_depth_is_bounded() -> None:
    nested: Any = threading.Lock()
    for _ in range(20):
        nested = [nested]
    found = find_unpicklable(nested, max_depth=3)
    assert found == f"obj[0][0][0]: {LOCK_ERROR}"


def test_the_object_itself_when_no_part_fails_alone() -> None:
    generator = (i for i in range(3))
    found = find_unpicklable({"g": generator})
    assert found is not None
    assert found.startswith("obj['g']: cannot pickle 'generator' object")


def test_a_custom_dumps_is_used() -> None:
    def local_function() -> None:
        pass

    assert find_unpicklable({"f": local_function}) is None  # cloudpickle can
    found = find_unpicklable({"f": local_function}, dumps=pickle.dumps)
    assert found is not None
    assert found.startswith("obj['f']: ")
    assert "local" in found


def test_the_answer_is_one_line() -> None:
    class Loud:
        def __reduce__(self) -> Any:
            raise TypeError("first line\nsecond line")

    assert find_unpicklable([Loud()]) == "obj[0]: first line"


def test_a_cycle_through_a_failing_sibling_does_not_hide_it() -> None:
    class Node:
        def __init__(self) -> None:
            self.parent: Any = None
            self.children: list[Any] = []

    root = Node()
    child = Node()
    child.parent = root  # fails only through root
    root.children.append(child)
    root.handle = threading.Lock()  # type: ignore[attr-defined]
    assert find_unpicklable(root) == f"obj.handle: {LOCK_ERROR}"
