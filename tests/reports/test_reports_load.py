"""load_any: every kind of runadvisor JSON file, and clear errors for the rest."""

from __future__ import annotations

import json

import pytest

from runadvisor.profiles import RunProfile
from runadvisor.reports import ReportError, load_any


@pytest.fixture()
def profile_file(profiles, tmp_path):
    return profiles["ThreadRunner(2)"].save(tmp_path / "run.json")


def test_a_profile_file_loads_as_a_runprofile(profile_file, profiles):
    loaded = load_any(profile_file)
    assert isinstance(loaded, RunProfile)
    assert loaded.to_dict() == RunProfile.load(profile_file).to_dict()


def test_not_json(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("runner: thread\n")
    with pytest.raises(ReportError) as info:
        load_any(path)
    message = str(info.value)
    assert str(path) in message and "not valid JSON" in message and "line 1" in message


def test_truncated_anywhere(profile_file):
    text = profile_file.read_text().rstrip("\n")  # losing only the final newline is no loss
    for cut in [1, 2, *range(7, len(text), max(1, len(text) // 97)), len(text) - 2]:
        profile_file.write_text(text[:cut])
        with pytest.raises(ReportError, match=r"run\.json: truncated JSON \(it ends early\)"):
            load_any(profile_file)


def test_corrupt_in_the_middle_is_not_called_truncated(profile_file):
    text = profile_file.read_text()
    middle = len(text) // 2
    profile_file.write_text(text[:middle] + "\x00garbage}}" + text[middle:])
    with pytest.raises(ReportError, match=r"run\.json: not valid JSON"):
        load_any(profile_file)


def test_other_profile_version(profile_file):
    data = json.loads(profile_file.read_text())
    data["version"] = 99
    profile_file.write_text(json.dumps(data))
    with pytest.raises(ReportError, match=r"run\.json: profile schema version 99.*reads version 1"):
        load_any(profile_file)


def test_unknown_schema_names_what_was_found_and_expected(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"schema": "someone.else", "version": 1}))
    with pytest.raises(ReportError) as info:
        load_any(path)
    message = str(info.value)
    assert str(path) in message and '"someone.else"' in message
    assert '"runadvisor.advice"' in message and '"runadvisor.profile"' in message


def test_no_schema_field(tmp_path):
    path = tmp_path / "plain.json"
    path.write_text(json.dumps({"runner": "ThreadRunner"}))
    with pytest.raises(ReportError, match='found no "schema" field'):
        load_any(path)


def test_json_that_is_not_an_object(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2]")
    with pytest.raises(ReportError, match="found a JSON list"):
        load_any(path)


def test_malformed_profile_names_the_missing_field(profile_file):
    data = json.loads(profile_file.read_text())
    del data["nodes"]
    profile_file.write_text(json.dumps(data))
    with pytest.raises(ReportError, match=r"run\.json.*missing field 'nodes'"):
        load_any(profile_file)


@pytest.mark.parametrize(
    ("content", "match"),
    [(b"", "empty file"), (b"\x89PNG\r\n\x1a\n\x00\xff", "not UTF-8")],
)
def test_empty_and_binary_files(tmp_path, content, match):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(ReportError, match=match):
        load_any(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ReportError, match="no such file"):
        load_any(tmp_path / "absent.json")
    with pytest.raises(ReportError, match="is a folder"):
        load_any(tmp_path)


def test_advice_files_load_as_a_recommendation(recommendation, tmp_path):
    from runadvisor.advisor import Recommendation

    path = recommendation.save(tmp_path / "advice.json")
    loaded = load_any(path)
    assert isinstance(loaded, Recommendation)
    assert loaded.to_dict() == recommendation.to_dict()


def test_other_advice_version(recommendation, tmp_path):
    data = recommendation.to_dict()
    data["version"] = 99
    path = tmp_path / "advice.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ReportError) as info:
        load_any(path)
    message = str(info.value)
    assert str(path) in message and "99" in message and "version 1" in message


def test_malformed_advice_names_the_file(recommendation, tmp_path):
    data = recommendation.to_dict()
    del data["facts"]
    path = tmp_path / "advice.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ReportError, match=r"advice\.json.*facts"):
        load_any(path)
