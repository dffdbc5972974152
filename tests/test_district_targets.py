"""A district total is judged against the district's own target (its chsc.yaml, or --config);
without one, against the target every centre computes it against; without one agreed, against the
library's, saying so once (district-target-differs) — not the library's 40% while every centre set 30%."""

from __future__ import annotations

import json

from cli_helpers import in_process
from test_district_centres import SIGNING, _centre, _rows


def _district(tmp_path, *targets):
    """Centres 甲 (2 of 4 signed) and 乙 (2 of 6): 4 of 10, 40% in all; each centre's chsc.yaml with
    its target for the signing rate (None: none written)."""
    root = tmp_path / "区"
    for (folder, people, birth), target in zip((("甲中心", 4, "19600101"), ("乙中心", 6, "19700101")), targets):
        _centre(root / folder, people, 2, name=folder[0], birth=birth)
        if target is not None:
            with (root / folder / "chsc.yaml").open("a", encoding="utf-8") as file:
                file.write(f"targets: {{{SIGNING}: {target}}}\n")
    return root


def _json(capsys, district, *extra):
    code = in_process("compute", district, "-p", "2025", "--centres", "--format", "json", *extra)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out), captured.err


def _differs(data):
    return [w for w in data["warnings"] if w["code"] == "district-target-differs"]


def test_the_total_takes_the_target_every_centre_set(tmp_path, capsys):
    data, err = _json(capsys, _district(tmp_path, "0.5", "0.5"))
    total, centres = _rows(data, SIGNING)
    assert [r["target"] for r in centres] == [0.5, 0.5]
    assert total["target"] == 0.5 and total["met"] is False  # 40% against the centres' 50%, not the library's 40%
    assert not _differs(data) and "目标不一致" not in err


def test_the_district_s_own_target_wins(tmp_path, capsys):
    root = _district(tmp_path, "0.5", "0.5")
    (root / "chsc.yaml").write_text(f"centre: 区\ntargets: {{{SIGNING}: 0.35}}\n", encoding="utf-8")
    data, _ = _json(capsys, root)
    total, _ = _rows(data, SIGNING)
    assert total["target"] == 0.35 and total["met"] is True and not _differs(data)


def test_config_is_the_district_s_chsc_yaml(tmp_path, capsys):
    root = _district(tmp_path, "0.5", None)
    other = tmp_path / "区设置.yaml"
    other.write_text(f"targets: {{{SIGNING}: 0.3}}\n", encoding="utf-8")
    data, _ = _json(capsys, root, "--config", other)
    total, centres = _rows(data, SIGNING)
    # 甲 keeps its own; 乙, with none, takes the district's (as it always did); the total the district's
    assert total["target"] == 0.3 and [r["target"] for r in centres] == [0.3, 0.5] and not _differs(data)


def test_centres_that_disagree_give_the_library_s_target_and_say_so_once(tmp_path, capsys):
    data, err = _json(capsys, _district(tmp_path, "0.3", None))  # 乙 has none: the library's 40%
    total, centres = _rows(data, SIGNING)
    assert [r["target"] for r in centres] == [0.4, 0.3]
    assert total["target"] == 0.4
    [notice] = _differs(data)
    assert "家庭医生签约服务覆盖率" in notice["message"] and "默认目标 40%" in notice["message"]
    assert err.count("目标不一致") == 1 and "家庭医生签约服务覆盖率" in err
    assert in_process("compute", tmp_path / "区", "-p", "2025", "--centres") == 0
    assert "district-target-differs" not in capsys.readouterr().out  # a notice, not one of the data's problems
