"""How a fit runs: a plan of its networks, built once, and the strategy that trains them.

``fit`` (and ``partial_fit``, ``fit_many``) check the data and parameters,
build one :class:`~mlstm_fcn._fitting.plan.RunPlan` per estimator (the
checked data, and per network its seed, where it starts, its checkpointer
and progress label, with the calls that set up, feed and finish a network),
hand the plans to one strategy of :mod:`mlstm_fcn._fitting.strategies`
(one network after the other, each alone or data-parallel, or all fused in
one module) and attach what comes back. The strategies read the plan only:
they never call into the estimator.
"""
