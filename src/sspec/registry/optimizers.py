"""Optimizers: every `torch.optim` optimizer of torch 2.x, plus LARS and Lamb.

Arguments and defaults follow the constructors of torch 2.5+ (`Adafactor` is
new in 2.5; Adam's `decoupled_weight_decay` in 2.7). `params` is supplied by
sspec; `capturable` and `differentiable` are left out (CUDA-graph capture and
differentiating through the optimizer are not recipe concerns). Ranges are the
ones the constructors reject with a ValueError.
"""

from __future__ import annotations

from . import Component
from .schema import UNSET, boolean, choice, given, integer, number, obj, pair, when

# ---------------------------------------------------------------- arguments


def _nonnegative(positive: bool) -> dict:
    return {"exclusive_minimum": 0} if positive else {"minimum": 0}


def lr(default=UNSET, *, positive: bool = False) -> dict:
    return number("learning rate", default, **_nonnegative(positive))


def weight_decay(default=0, desc: str = "weight decay (L2 penalty added to the gradient)") -> dict:
    return number(desc, default, minimum=0)


def eps(default=1e-8, *, positive: bool = False) -> dict:
    return number("term added to the denominator for numerical stability", default, **_nonnegative(positive))


def betas(default=(0.9, 0.999)) -> dict:
    beta = number(minimum=0, exclusive_maximum=1)
    desc = "decay rates of the running averages of the gradient and of its square, each in [0, 1)"
    return pair(desc, beta, default=default)


def maximize() -> dict:
    return boolean("maximize the objective instead of minimizing it", False)


def foreach() -> dict:
    return boolean("use the multi-tensor (foreach) implementation; none lets torch choose", None, nullable=True)


def fused() -> dict:
    return boolean("use the fused kernel implementation; none lets torch choose", None, nullable=True)


def decoupled(desc: str = "apply weight decay decoupled from the gradient, as in AdamW") -> dict:
    return boolean(desc, False)


def momentum(default=0) -> dict:
    return number("momentum factor", default, minimum=0)


def dampening() -> dict:
    return number("dampening for momentum", 0)


def nesterov() -> dict:
    return boolean("use Nesterov momentum (needs momentum > 0 and dampening = 0)", False)


NESTEROV_RULE = when(
    given("nesterov", True),
    {"properties": {"momentum": {"exclusiveMinimum": 0}, "dampening": {"const": 0}}, "required": ["momentum"]},
    "Nesterov momentum needs `momentum` > 0 and `dampening` = 0",
)


def _torch(name: str, doc: str, properties: dict, required=(), *rules) -> Component:
    return Component(
        name=name,
        kind="optimizer",
        schema=obj(properties, required, *rules),
        doc=doc,
        impl=f"torch.optim:{name}",
    )


# ---------------------------------------------------------------- torch.optim

_ADAM_FAMILY = dict(betas=betas(), eps=eps())


def flags(*, with_fused: bool = False) -> dict:
    """The implementation switches most torch optimizers take."""
    switches = dict(maximize=maximize(), foreach=foreach())
    if with_fused:
        switches["fused"] = fused()
    return switches


TORCH = (
    _torch(
        "SGD",
        "Stochastic gradient descent, optionally with (Nesterov) momentum.",
        dict(
            lr=lr(1e-3),
            momentum=momentum(),
            dampening=dampening(),
            weight_decay=weight_decay(),
            nesterov=nesterov(),
            **flags(with_fused=True),
        ),
        (),
        NESTEROV_RULE,
    ),
    _torch(
        "Adam",
        "Adam (optionally AMSGrad).",
        dict(
            lr=lr(1e-3),
            **_ADAM_FAMILY,
            weight_decay=weight_decay(),
            amsgrad=boolean("use the AMSGrad variant", False),
            decoupled_weight_decay=decoupled("decouple weight decay from the gradient, making Adam AdamW (torch >= 2.7)"),
            **flags(with_fused=True),
        ),
    ),
    _torch(
        "AdamW",
        "Adam with decoupled weight decay.",
        dict(
            lr=lr(1e-3),
            **_ADAM_FAMILY,
            weight_decay=weight_decay(1e-2, "decoupled weight decay coefficient"),
            amsgrad=boolean("use the AMSGrad variant", False),
            **flags(with_fused=True),
        ),
    ),
    _torch(
        "Adamax",
        "Adamax, the infinity-norm variant of Adam.",
        dict(lr=lr(2e-3), **_ADAM_FAMILY, weight_decay=weight_decay(), **flags()),
    ),
    _torch(
        "NAdam",
        "Adam with Nesterov momentum.",
        dict(
            lr=lr(2e-3),
            **_ADAM_FAMILY,
            weight_decay=weight_decay(),
            momentum_decay=number("momentum decay (psi)", 4e-3, minimum=0),
            decoupled_weight_decay=decoupled(),
            **flags(),
        ),
    ),
    _torch(
        "RAdam",
        "Rectified Adam.",
        dict(lr=lr(1e-3), **_ADAM_FAMILY, weight_decay=weight_decay(), decoupled_weight_decay=decoupled(), **flags()),
    ),
    _torch(
        "Adadelta",
        "Adadelta.",
        dict(
            lr=lr(1.0),
            rho=number("decay rate of the running average of squared gradients", 0.9, minimum=0, maximum=1),
            eps=eps(1e-6),
            weight_decay=weight_decay(),
            **flags(),
        ),
    ),
    _torch(
        "Adagrad",
        "Adagrad.",
        dict(
            lr=lr(1e-2),
            lr_decay=number("learning-rate decay per step", 0, minimum=0),
            weight_decay=weight_decay(),
            initial_accumulator_value=number("initial value of the sum of squared gradients", 0, minimum=0),
            eps=eps(1e-10),
            **flags(with_fused=True),
        ),
    ),
    _torch(
        "ASGD",
        "Averaged stochastic gradient descent.",
        dict(
            lr=lr(1e-2),
            lambd=number("decay term", 1e-4),
            alpha=number("power for the eta update", 0.75),
            t0=number("step at which averaging starts", 1e6),
            weight_decay=weight_decay(),
            **flags(),
        ),
    ),
    _torch(
        "RMSprop",
        "RMSprop.",
        dict(
            lr=lr(1e-2),
            alpha=number("smoothing constant of the squared-gradient average", 0.99, minimum=0),
            eps=eps(),
            weight_decay=weight_decay(),
            momentum=momentum(),
            centered=boolean("normalize by an estimate of the gradient's variance", False),
            **flags(),
        ),
    ),
    _torch(
        "Rprop",
        "Resilient backpropagation (full-batch; rarely useful with mini-batches).",
        dict(
            lr=lr(1e-2),
            etas=pair(
                "(decrease, increase) factors of the step size: 0 < decrease < 1 < increase",
                number(exclusive_minimum=0, exclusive_maximum=1),
                number(exclusive_minimum=1),
                default=(0.5, 1.2),
            ),
            step_sizes=pair("(minimum, maximum) allowed step size", number(minimum=0), default=(1e-6, 50)),
            **flags(),
        ),
    ),
    _torch(
        "LBFGS",
        "L-BFGS (needs a closure that re-evaluates the loss; one parameter group only).",
        dict(
            lr=lr(1),
            max_iter=integer("maximum iterations per optimizer step", 20, minimum=1),
            max_eval=integer(
                "maximum function evaluations per step; none means max_iter * 5 / 4", None, minimum=1, nullable=True
            ),
            tolerance_grad=number("termination tolerance on first-order optimality", 1e-7, minimum=0),
            tolerance_change=number("termination tolerance on value or parameter changes", 1e-9, minimum=0),
            history_size=integer("update history size", 100, minimum=1),
            line_search_fn=choice("line search: none or 'strong_wolfe'", [None, "strong_wolfe"], None),
        ),
    ),
    _torch(
        "SparseAdam",
        "Adam for sparse gradients (e.g. nn.Embedding(sparse=True)).",
        dict(lr=lr(1e-3, positive=True), betas=betas(), eps=eps(positive=True), maximize=maximize()),
    ),
    _torch(
        "Adafactor",
        "Adafactor (factored second moments; torch >= 2.5).",
        dict(
            lr=lr(1e-2),
            beta2_decay=number("decay rate of beta2 (beta2_t = 1 - t ** beta2_decay)", -0.8, maximum=0),
            eps=pair(
                "(epsilon1, epsilon2): denominator term (none picks the dtype's eps) and minimum parameter scale",
                number(minimum=0, nullable=True),
                number(minimum=0),
                default=(None, 1e-3),
            ),
            d=number("update clipping threshold", 1.0, minimum=1),
            weight_decay=weight_decay(0.0, "decoupled weight decay coefficient"),
            **flags(),
        ),
    ),
)

# ---------------------------------------------------------------- others

LARS = Component(
    name="LARS",
    kind="optimizer",
    schema=obj(
        dict(
            lr=lr(),
            momentum=momentum(),
            weight_decay=weight_decay(),
            dampening=dampening(),
            eta=number("LARS trust coefficient", 0.001, minimum=0),
            nesterov=nesterov(),
            eps=number("term added to the trust-ratio denominator", 1e-8),
        ),
        ["lr"],
        NESTEROV_RULE,
    ),
    doc=(
        "Layer-wise adaptive rate scaling for SGD (MMSelfSup/MMPretrain's LARS). "
        "Parameter groups marked `lars_exclude = true` use the plain SGD step."
    ),
    impl="sspec.runtime.optim.lars:LARS",
)

LAMB = Component(
    name="Lamb",
    kind="optimizer",
    schema=obj(
        dict(
            lr=lr(1e-3),
            bias_correction=boolean("correct the moment estimates for their zero initialization", True),
            betas=betas(),
            eps=eps(1e-6),
            weight_decay=weight_decay(0.01, "decoupled weight decay coefficient"),
            grad_averaging=boolean("scale the gradient by (1 - beta1) in the first moment", True),
            max_grad_norm=number("clip the global gradient norm to this value", 1.0, minimum=0),
            trust_clip=boolean("clip the trust ratio to at most 1 (NVLAMB)", False),
            always_adapt=boolean("apply the trust ratio also to parameters without weight decay", False),
        ),
    ),
    doc="Layer-wise adaptive moments (MMPretrain's Lamb, after timm).",
    impl="sspec.runtime.optim.lamb:Lamb",
)

COMPONENTS: tuple[Component, ...] = (*TORCH, LARS, LAMB)
