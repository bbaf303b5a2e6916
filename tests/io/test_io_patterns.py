"""Dataset factory patterns and credentials (Kedro's ``CatalogConfigResolver``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runadvisor.io import (
    CatalogConfigResolver,
    CredentialsNotFoundError,
    DataCatalog,
    DatasetError,
    JSONDataset,
    MemoryDataset,
    PickleDataset,
)

pytestmark = pytest.mark.usefixtures("without_kedro")


def test_patterns_are_ranked_as_kedro_ranks_them() -> None:
    resolver = CatalogConfigResolver(
        {
            "{namespace}.int_{name}{a}": {"type": "MemoryDataset"},
            "{namespace}.{name}": {"type": "MemoryDataset"},
            "{name}": {"type": "MemoryDataset"},
            "{namespace}.ant_{name}{c}": {"type": "MemoryDataset"},
            "{x}_csv": {"type": "MemoryDataset"},
        }
    )
    assert resolver.list_patterns() == [
        "{namespace}.ant_{name}{c}",  # 5 characters outside braces, ant < int
        "{namespace}.int_{name}{a}",
        "{x}_csv",  # 4
        "{namespace}.{name}",  # 1
        "{name}",  # the catch-all comes last of the user's
        "{default}",  # then the runtime pattern
    ]


def test_only_one_catch_all_pattern_is_allowed() -> None:
    with pytest.raises(DatasetError, match="Multiple catch-all patterns found in the catalog"):
        CatalogConfigResolver({"{a}": {"type": "MemoryDataset"}, "{b}": {"type": "MemoryDataset"}})


def test_an_entry_may_only_use_placeholders_its_pattern_has() -> None:
    with pytest.raises(DatasetError, match=r"Keys used in the configuration \{'\{nam\}'\}"):
        CatalogConfigResolver({"{name}_csv": {"type": "MemoryDataset", "data": "{nam}"}})


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("{namespace}.{name}", "a.b.c", {"namespace": "a", "name": "b.c"}),  # first takes least
        ("{name}_csv", "Sales_CSV", {"name": "Sales"}),  # case-insensitive, like parse
        ("{a}_{a}", "x_x", {"a": "x"}),  # a repeated name must match the same text
        ("{a}_{a}", "x_y", None),
        ("pre_{x}", "pre_", None),  # a placeholder takes at least one character
        ("{x}.csv", "axcsv", None),  # literal text is literal
        ("{{literal}}_{x}", "{literal}_y", {"x": "y"}),
    ],
)
def test_matching_follows_the_parse_library(
    pattern: str, name: str, expected: dict[str, str] | None
) -> None:
    resolver = CatalogConfigResolver({pattern: {"type": "MemoryDataset"}})
    assert resolver._match(pattern, name) == expected


def test_format_specs_are_refused_with_a_clear_message() -> None:
    with pytest.raises(DatasetError, match=r"supports plain named placeholders"):
        CatalogConfigResolver({"{n:d}_x": {"type": "MemoryDataset"}})


def test_resolving_a_name_fills_nested_values() -> None:
    resolver = CatalogConfigResolver(
        {
            "{layer}.{name}": {
                "type": "pickle.PickleDataset",
                "filepath": "data/{layer}/{name}.pkl",
                "save_args": {"note": "from {layer}", "tags": ["{name}", 1]},
            }
        }
    )
    assert resolver.resolve_pattern("raw.sales") == {
        "type": "pickle.PickleDataset",
        "filepath": "data/raw/sales.pkl",
        "save_args": {"note": "from raw", "tags": ["sales", 1]},
    }
    assert resolver.resolve_pattern("plain") == {"type": "MemoryDataset"}  # runtime pattern


def test_credentials_are_looked_up_by_name_at_any_depth() -> None:
    resolver = CatalogConfigResolver(
        {
            "cars": {"type": "MemoryDataset", "credentials": "s3"},
            "deep": {"type": "MemoryDataset", "fs_args": {"credentials": "s3"}},
            "{name}_db": {"type": "MemoryDataset", "credentials": "db"},
        },
        {"s3": {"key": "K"}, "db": {"user": "u"}},
    )
    assert resolver.config["cars"]["credentials"] == {"key": "K"}
    assert resolver.config["deep"]["fs_args"]["credentials"] == {"key": "K"}
    assert resolver.resolve_pattern("x_db")["credentials"] == {"user": "u"}


def test_missing_credentials_name_the_dataset_and_what_was_given() -> None:
    with pytest.raises(CredentialsNotFoundError) as info:
        CatalogConfigResolver({"cars": {"type": "MemoryDataset", "credentials": "s3"}}, {"gcs": {}})
    error = info.value
    assert isinstance(error, KeyError)  # Kedro raises KeyError here
    assert error.credentials == "s3"
    assert error.available == ["gcs"]
    assert str(error).startswith("Unable to find credentials 's3' (asked for by dataset 'cars'")


def test_unresolving_credentials_names_them_after_the_dataset() -> None:
    config, credentials = CatalogConfigResolver._unresolve_credentials(
        "cars", {"type": "X", "fs_args": {"credentials": {"key": "K"}}}
    )
    assert config == {"type": "X", "fs_args": {"credentials": "cars_credentials"}}
    assert credentials == {"cars_credentials": {"key": "K"}}


def test_a_name_matching_a_pattern_is_in_the_catalog_and_created_on_first_use(
    tmp_path: Path,
) -> None:
    catalog = DataCatalog.from_config(
        {
            "{name}_json": {"type": "json.JSONDataset", "filepath": f"{tmp_path}/{{name}}.json"},
            "{name}_pkl": {"type": "pickle.PickleDataset", "filepath": f"{tmp_path}/{{name}}.pkl"},
        }
    )
    assert catalog.keys() == []
    assert "sales_json" in catalog
    assert catalog.keys() == []  # asking does not create
    assert catalog.get_type("sales_json") == "runadvisor.io.files.JSONDataset"
    assert catalog.keys() == []
    dataset = catalog["sales_json"]
    assert isinstance(dataset, JSONDataset)
    assert dataset.filepath == f"{tmp_path}/sales.json"
    assert catalog.keys() == ["sales_json"]
    assert catalog["sales_json"] is dataset
    catalog.save("model_pkl", {"w": 1})
    assert isinstance(catalog["model_pkl"], PickleDataset)
    assert (tmp_path / "model.pkl").is_file()
    assert "other" not in catalog
    assert catalog.get("other") is None


def test_the_catch_all_pattern_takes_every_other_name(tmp_path: Path) -> None:
    catalog = DataCatalog.from_config(
        {
            "{name}_json": {"type": "json.JSONDataset", "filepath": f"{tmp_path}/{{name}}.json"},
            "{default}": {"type": "pickle.PickleDataset", "filepath": f"{tmp_path}/{{default}}"},
        }
    )
    assert "anything" in catalog
    assert isinstance(catalog["anything"], PickleDataset)
    assert isinstance(catalog["x_json"], JSONDataset)  # the specific pattern wins


def test_the_runtime_pattern_only_when_asked_for() -> None:
    catalog = DataCatalog()
    assert catalog.get("tmp") is None
    dataset = catalog.get("tmp", fallback_to_runtime_pattern=True)
    assert isinstance(dataset, MemoryDataset)
    assert catalog["tmp"] is dataset
