"""One experiment end to end: config → data → model → train → test once → files → report.

:func:`fit` (``goodfit train``) runs it in this process (:mod:`goodfit.experiment.fitting`); what
happens after the loop, the one test evaluation, baselines, predictions and findings, is in
:mod:`goodfit.experiment.finish`.
"""

from goodfit.experiment.fitting import FitResult, fit

__all__ = ["FitResult", "fit"]
