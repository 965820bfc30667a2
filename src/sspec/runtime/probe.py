"""A linear probe of a model's frozen features on digits: logistic
regression (scikit-learn) fitted on the features of the training split
(unaugmented) and scored on the validation split."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["linear_probe", "probe_applies"]


def probe_applies(plan, model, data) -> bool:
    """Digits data with a validation split, and a model with `features`."""
    return (plan.get("data", {}).get("type") == "digits" and callable(getattr(model, "features", None))
            and len(getattr(data, "val_y", ())) > 0 and len(getattr(data, "train_y", ())) > 0)


@torch.no_grad()
def _features(model, x: torch.Tensor, device, batch: int = 512) -> np.ndarray:
    out = [model.features(x[i:i + batch].to(device)).float().cpu() for i in range(0, len(x), batch)]
    return torch.cat(out).numpy()


def linear_probe(model, data, device="cpu", seed: int = 0) -> float:
    """Validation accuracy of a logistic regression on `model.features`."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    was_training = model.training
    model.eval()
    try:
        f_train = _features(model, data.train_x, device)
        f_val = _features(model, data.val_x, device)
    finally:
        model.train(was_training)
    scaler = StandardScaler().fit(f_train)
    clf = LogisticRegression(max_iter=1000, random_state=seed)
    clf.fit(scaler.transform(f_train), data.train_y.numpy())
    return float(clf.score(scaler.transform(f_val), data.val_y.numpy()))
