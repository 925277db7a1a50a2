"""What the classifier and the regressor share: the one fit path, its checks, and what a model keeps.

:class:`~mlstm_fcn._estimator.base.MLSTMFCNBase` holds the fit path that
``fit``, ``partial_fit``, ``warm_start`` and ``fit_many`` all take; what
differs between the two tasks are the hooks of
:mod:`mlstm_fcn._estimator.task_hooks`.

How a fit runs: ``fit`` (and ``partial_fit``, ``fit_many``) check the data and
parameters, build one :class:`~mlstm_fcn._estimator.plan.RunPlan` per
estimator (the checked data, and per network its seed, where it starts, its
checkpointer and progress label, with the calls that set up, feed and finish
a network), hand the plans to one strategy of
:mod:`mlstm_fcn._estimator.strategies` (one network after the other, each
alone or data-parallel, or all fused in one module) and attach what comes
back. The strategies read the plan only: they never call into the estimator.
"""
