"""Checkpoints: a stopped run resumes to the same weights as an unbroken one; foreign checkpoints are refused."""

import pytest
import torch

from tests.utils import tiny_config, toy_records
from training.checkpoint import Checkpointer, TrainingStopped, fingerprint
from training.train import fit


def _weights(result) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in result.model.state_dict().items()}


@pytest.mark.parametrize("probe_epochs", [0, 1])
def test_stopped_run_resumes_to_the_unbroken_runs_weights(tiny_base, taxonomy, tmp_path, probe_epochs):
    records = toy_records(3)
    config = tiny_config(tiny_base, probe_epochs=probe_epochs)  # two epochs
    unbroken = _weights(fit(records, taxonomy, config, progress=False))

    ckpt = Checkpointer(tmp_path / "ckpt.pt", fingerprint(records, taxonomy, config), every_s=3600)
    seen: list[int] = []

    def stop_at_five(step: int, total: int) -> None:
        seen.append(step)
        if step == 5:  # mid-epoch: the resumed run must skip exactly the batches already done
            ckpt.stop.set()

    with pytest.raises(TrainingStopped) as stopped:
        fit(records, taxonomy, config, progress=False, checkpoint=ckpt, on_step=stop_at_five)
    assert stopped.value.step == 5 and seen == [1, 2, 3, 4, 5]
    state, why = ckpt.load()
    assert state is not None and state["step"] == 5, why

    resume = Checkpointer(ckpt.path, ckpt.fingerprint, every_s=3600)
    steps: list[int] = []
    resumed = fit(records, taxonomy, config, progress=False, checkpoint=resume, on_step=lambda s, t: steps.append(s))
    assert steps[0] == 6 and steps[-1] == stopped.value.total
    for name, value in _weights(resumed).items():
        assert torch.allclose(value, unbroken[name], atol=1e-6), name


def test_checkpoint_of_other_data_or_settings_is_not_used(tiny_base, taxonomy, tmp_path):
    records = toy_records(2)
    config = tiny_config(tiny_base)
    ckpt = Checkpointer(tmp_path / "ckpt.pt", fingerprint(records, taxonomy, config))
    ckpt.save({"step": 3, "total": 9})
    assert ckpt.load()[0]["step"] == 3
    other_data = Checkpointer(ckpt.path, fingerprint(toy_records(3), taxonomy, config))
    other_config = Checkpointer(ckpt.path, fingerprint(records, taxonomy, tiny_config(tiny_base, learning_rate=1e-4)))
    threads_only = Checkpointer(ckpt.path, fingerprint(records, taxonomy, tiny_config(tiny_base, threads=1)))
    for foreign in (other_data, other_config):
        state, why = foreign.load()
        assert state is None and "changed since the checkpoint" in why
    assert threads_only.load()[0] is not None  # CPU threads do not change what is learnt
    ckpt.path.write_bytes(b"torn")
    state, why = ckpt.load()
    assert state is None and why.startswith("the checkpoint could not be read")
