"""FlatAdam gives exactly torch's Adam, keeps per-parameter state views, and survives other optimizers."""

import copy

import pytest
import torch

from sb_ppo2.ppo2.flat_adam import FlatAdam


def _nets():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2), torch.nn.Linear(2, 3))
    return net, copy.deepcopy(net)


def test_identical_to_torch_adam_including_unused_parameters():
    reference, flat = _nets()
    torch_adam = torch.optim.Adam(reference.parameters(), lr=1e-2, eps=1e-5)
    flat_adam = FlatAdam(flat.parameters(), lr=1e-2, eps=1e-5)
    for _ in range(30):
        x = torch.randn(16, 4)
        for net, optimizer in ((reference, torch_adam), (flat, flat_adam)):
            optimizer.zero_grad()
            (net[:3](x) ** 2).mean().backward()  # the last layer gets no gradient, like SB2's unused q head
            optimizer.step()
    for a, b in zip(reference.parameters(), flat.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_state_views_and_state_dict_round_trip():
    _, net = _nets()
    optimizer = FlatAdam(net.parameters(), lr=1e-2, eps=1e-5)
    net(torch.randn(3, 4)).sum().backward()
    optimizer.step()
    first = next(net.parameters())
    assert set(optimizer.state[first]) == {"step", "exp_avg", "exp_avg_sq"}
    assert optimizer.state[first]["step"].item() == 1.0
    saved = optimizer.state_dict()
    optimizer.zero_grad()
    net(torch.randn(3, 4)).sum().backward()
    optimizer.step()
    optimizer.load_state_dict(saved)
    torch.testing.assert_close(optimizer.state[first]["exp_avg"], saved["state"][0]["exp_avg"])
    assert optimizer.state[first]["step"].item() == 1.0


def test_gradients_reattached_after_another_optimizer_cleared_them():
    _, net = _nets()
    optimizer = FlatAdam(net.parameters(), lr=1e-2)
    other = torch.optim.SGD(net.parameters(), lr=0.1)
    other.zero_grad(set_to_none=True)  # e.g. pretrain's own Adam
    before = [p.detach().clone() for p in net.parameters()]
    optimizer.zero_grad()
    net(torch.randn(3, 4)).sum().backward()
    assert optimizer.flat_grad.abs().sum() > 0
    optimizer.step()
    assert any(not torch.equal(a, b) for a, b in zip(before, net.parameters()))


@pytest.mark.parametrize("lr", [1e-3, 5e-4])
def test_learning_rate_changes_are_seen(lr):
    reference, flat = _nets()
    torch_adam = torch.optim.Adam(reference.parameters(), lr=1.0, eps=1e-5)
    flat_adam = FlatAdam(flat.parameters(), lr=1.0, eps=1e-5)
    for optimizer in (torch_adam, flat_adam):
        optimizer.param_groups[0]["lr"] = lr
    x = torch.randn(8, 4)
    for net, optimizer in ((reference, torch_adam), (flat, flat_adam)):
        optimizer.zero_grad()
        net(x).sum().backward()
        optimizer.step()
    for a, b in zip(reference.parameters(), flat.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
