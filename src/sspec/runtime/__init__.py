"""The runtime: torch objects built from a Plan.

It reads only the Plan (plain JSON data, see sspec/compiler/plan.py), never
the compiler's trees: `optim` builds the optimizer and its parameter groups
(param rules, layer-wise lr decay, LARS and Lamb); the models, the hooks and
the training loop live beside it. Everything here imports torch; nothing in
the compiler imports this package.
"""
