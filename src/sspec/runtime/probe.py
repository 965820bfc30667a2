"""A linear probe of a model's frozen features on digits: logistic
regression (scikit-learn) fitted on the features of the training split
(unaugmented) and scored on the validation split."""

from __future__ import annotations

import torch

__all__ = ["frozen_features", "linear_probe", "probe_applies"]


def probe_applies(plan, model, data) -> bool:
    """Digits data with a validation split, and a model with `features`."""
    return (plan.get("data", {}).get("type") == "digits" and callable(getattr(model, "features", None))
            and len(getattr(data, "val_y", ())) > 0 and len(getattr(data, "train_y", ())) > 0)


@torch.no_grad()
def frozen_features(model, x: torch.Tensor, device, embed=None, batch: int = 512) -> torch.Tensor:
    """`embed(x)` (default: `model.features`) in eval mode, batch by batch,
    as float32 on the CPU; the model's mode is restored afterwards. For the
    probe and the clustering hooks."""
    embed = embed or model.features
    was_training = model.training
    model.eval()
    try:
        out = [embed(x[i:i + batch].to(device)).float().cpu() for i in range(0, len(x), batch)]
    finally:
        model.train(was_training)
    return torch.cat(out)


def linear_probe(model, data, device="cpu", seed: int = 0) -> float:
    """Validation accuracy of a logistic regression on `model.features`."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    f_train = frozen_features(model, data.train_x, device).numpy()
    f_val = frozen_features(model, data.val_x, device).numpy()
    scaler = StandardScaler().fit(f_train)
    clf = LogisticRegression(max_iter=1000, random_state=seed)
    clf.fit(scaler.transform(f_train), data.train_y.numpy())
    return float(clf.score(scaler.transform(f_val), data.val_y.numpy()))
