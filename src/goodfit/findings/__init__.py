"""Findings: what a check says, and the catalog of every check goodfit runs.

A :class:`Finding` is one concrete observation ("layer net.4 has 97 % dead ReLUs") with a
severity and a fix. The :data:`CATALOG` lists each kind of finding once, with why it matters;
``docs/checks.md`` is written from it and tests make sure every entry is documented and tested.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["Finding", "CheckInfo", "CATALOG", "finding", "summarize", "as_dicts"]

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    id: str
    severity: Severity
    message: str
    fix: str
    where: str | None = None  # a layer, a split, a parameter...

    def __str__(self) -> str:
        where = f" [{self.where}]" if self.where else ""
        return f"{self.severity}: {self.id}{where}: {self.message} Fix: {self.fix}"


@dataclass(frozen=True)
class CheckInfo:
    id: str
    stage: Literal["lint", "sanity", "monitor", "diagnosis"]
    severity: Severity
    title: str
    why: str
    fix: str


def _c(id: str, stage: str, severity: str, title: str, why: str, fix: str) -> CheckInfo:
    return CheckInfo(id, stage, severity, title, why, fix)  # type: ignore[arg-type]


CATALOG: dict[str, CheckInfo] = {c.id: c for c in [
    # ----------------------------------------------------------------- lint (before training)
    _c("softmax-before-ce", "lint", "error", "Softmax (or log-softmax) before CrossEntropyLoss",
       "CrossEntropyLoss applies log-softmax itself; a softmax in front squashes the logits, gradients "
       "vanish and training stalls far from 100 %.",
       "Remove the final Softmax/LogSoftmax; return logits and apply softmax only for display."),
    _c("sigmoid-before-bce", "lint", "error", "Sigmoid before BCEWithLogitsLoss",
       "BCEWithLogitsLoss applies the sigmoid itself; a sigmoid in front squeezes the logit into (0, 1), "
       "so the loss can never approach 0 and gradients stay small.",
       "Remove the final Sigmoid and return the logit (or use BCELoss on probabilities, less stable)."),
    _c("targets-loss-mismatch", "lint", "error", "Targets that do not fit the loss",
       "Cross-entropy takes integer class indices: float labels crash it, one-hot rows silently change its "
       "meaning; a regression loss on class indices treats classes as numbers on a line.",
       "Class indices (y.long()) for CrossEntropyLoss; real values (y.float()) for MSE / L1 / Huber."),
    _c("unshuffled-train-loader", "lint", "error", "Training DataLoader without shuffling",
       "Batches then come in the same order every epoch; with class-sorted data each batch holds one "
       "class and the model chases the last class it saw.",
       "DataLoader(train_set, shuffle=True, ...)"),
    _c("sorted-labels", "lint", "warning", "Training data sorted by label",
       "Long runs of one class (the mnist-5k file is sorted) are harmless only if every epoch shuffles.",
       "Shuffle the training loader; split with a stratified, shuffled split."),
    _c("test-as-valid", "lint", "error", "Test set used for validation or model selection",
       "Early stopping, tuning or picking the best epoch on the test set makes its score optimistic: it "
       "is no longer an estimate on new data.",
       "Carve the validation split from the training data; touch the test set once, at the end."),
    _c("test-reused", "lint", "warning", "Test set evaluated more than once",
       "Each look at the test score that influences a decision leaks information into the model choice.",
       "Decide on validation scores; report the test score once."),
    _c("train-test-overlap", "lint", "error", "Identical samples in train and test",
       "Duplicates across the split measure memorization, not generalization.",
       "Deduplicate (hash the samples) before splitting."),
    _c("unscaled-inputs", "lint", "warning", "Unscaled inputs",
       "Inputs like 0..255 make the first layer's pre-activations huge: saturation, large gradients, "
       "a learning rate that works nowhere.",
       "Scale to [0, 1], [-1, 1] or standardize (data.scaling=minmax01|minmax11|standardize)."),
    _c("scaling-leak", "lint", "error", "Scaling fitted on all data instead of the training split",
       "Statistics computed over train+test let the test set shape the preprocessing.",
       "Fit the scaler on the training split only, then apply it to valid and test."),
    _c("labels-out-of-range", "lint", "error", "Labels outside [0, n_outputs)",
       "CrossEntropyLoss indexes the logits by label: out-of-range labels crash (or, on GPU, assert "
       "obscurely).",
       "Map labels to 0..C-1 and give the model C outputs."),
    _c("wrong-output-units", "lint", "error", "Output units do not match the classes or the targets",
       "Too few outputs cannot represent every class; extra outputs waste capacity and skew the "
       "initial loss; a regression or denoising model must output the target's shape.",
       "Set the last layer's out_features to the number of classes (one logit for a binary loss, the "
       "target's size for regression)."),
    _c("class-imbalance", "lint", "warning", "Class imbalance",
       "Accuracy rewards predicting the majority class; compare against the majority baseline.",
       "Report macro F1 and the majority baseline; consider class weights or resampling."),
    _c("eval-in-train-mode", "lint", "error", "Evaluation with the model in train mode",
       "Dropout stays active and batch norm uses batch statistics: scores are noisy and too low.",
       "Call model.eval() before evaluating (and model.train() after)."),
    _c("eval-with-grad", "lint", "warning", "Evaluation without torch.no_grad",
       "Autograd records every evaluation step: memory grows and evaluation is slower.",
       "Wrap evaluation in torch.no_grad() or torch.inference_mode()."),
    _c("broken-l1", "lint", "error", "A broken L1 penalty",
       "torch.norm(model.parameters(), 1) raises (a generator is not a tensor); variants that detach or "
       "penalize nothing leave the model unregularized while you believe it is.",
       "Use optim.l1=... (goodfit's sum of |w| over weight tensors), or "
       "sum(p.abs().sum() for p in weights)."),
    _c("extreme-lr", "lint", "warning", "Extreme learning rate for the optimizer",
       "Far above the usual range the loss explodes; far below it nothing moves within the budget.",
       "Adam/AdamW: 1e-4..1e-2; SGD: 1e-3..0.5. Run 'goodfit sanity' to see the effect."),
    _c("batch-larger-than-data", "lint", "error", "Batch size larger than the training set",
       "Every epoch is one partial batch: few updates, and batch norm sees odd statistics.",
       "Lower train.batch_size below the number of training samples."),
    _c("small-valid-split", "lint", "warning", "Validation split too small for the number of classes",
       "With a handful of samples per class, validation accuracy moves in big steps and early stopping "
       "and model selection follow noise.",
       "Use at least ~20 validation samples per class (data.valid_fraction) or k-fold (--folds)."),
    _c("initial-loss", "lint", "warning", "Initial loss far from ln(C)",
       "An untrained classifier should predict ~uniformly: loss ≈ ln C. Far above means bad "
       "initialization or output scaling; far below means labels leak into inputs.",
       "Check the last layer's init/scale and the inputs; see docs/checks.md."),
    # ----------------------------------------------------------------- sanity (overfit one batch)
    _c("sanity-passed", "sanity", "info", "Overfits one batch",
       "A healthy model, loss and optimizer can memorize a single small batch.", "Nothing to fix."),
    _c("loss-rising", "sanity", "error", "Loss rises on a single batch",
       "The optimizer climbs the loss: the learning rate is far too high, or the gradient sign is flipped "
       "(a loss being maximized).",
       "Lower the learning rate 10x; check the sign of the loss (minimize, not maximize)."),
    _c("loss-exploding", "sanity", "error", "Loss explodes or becomes NaN",
       "Updates overshoot until values overflow.",
       "Lower the learning rate 10-100x; check inputs for NaN/inf; consider gradient clipping."),
    _c("loss-oscillating", "sanity", "error", "Loss oscillates without settling",
       "Either the steps are too large, or the labels do not belong to the inputs (a pairing bug), so "
       "there is nothing consistent to learn.",
       "Lower the learning rate; check that inputs and labels are shuffled together."),
    _c("loss-plateau-lr", "sanity", "error", "Loss does not move: learning rate too low",
       "Updates are too small to change the loss within the budget.",
       "Raise the learning rate 10-100x (Adam: ~1e-3)."),
    _c("frozen-parameters", "sanity", "error", "Parameters get no gradient",
       "A detached tensor, requires_grad=False or an unused layer disconnects part of the model: those "
       "weights never learn.",
       "Remove the .detach()/no_grad, set requires_grad=True, or remove the unused layer."),
    _c("probabilities-to-loss", "sanity", "error", "Probabilities given to the loss instead of logits",
       "The model's outputs are rows summing to 1: softmax before CrossEntropyLoss, so the loss cannot "
       "approach 0.",
       "Return logits; CrossEntropyLoss owns the softmax."),
    _c("loss-plateau", "sanity", "error", "Loss plateaus above zero",
       "The model cannot fit even one batch: too little capacity, a bug in the data path or the loss.",
       "Check the model's output, the loss and the inputs; try a larger model or a higher lr."),
    # ----------------------------------------------------------------- monitors (during training)
    _c("vanishing-gradient", "monitor", "warning", "Vanishing gradients",
       "Gradients this small leave early layers untrained.",
       "Use ReLU-family activations, batch norm, residual connections or better initialization."),
    _c("exploding-gradient", "monitor", "error", "Exploding gradients",
       "Huge gradients make updates jump and usually end in NaN.",
       "Lower the learning rate, clip gradients, or normalize inputs."),
    _c("nonfinite-activation", "monitor", "error", "NaN/Inf activations",
       "The first layer producing NaN/Inf is where the numbers broke.",
       "Lower the learning rate; check the inputs and any log/div/exp in that layer."),
    _c("dead-relu", "monitor", "warning", "Dead ReLUs",
       "Units that output 0 for every input get no gradient and never recover.",
       "Lower the learning rate, use LeakyReLU/GELU, or better initialization."),
    _c("saturated-activation", "monitor", "warning", "Saturated sigmoid/tanh units",
       "Saturated units have near-zero gradient.",
       "Scale inputs, use batch norm, or switch to ReLU-family activations."),
    _c("update-ratio", "monitor", "warning", "Update-to-weight ratio far from ~1e-3",
       "Updates much larger than 1e-3 of the weights mean the lr is too high; much smaller, too low.",
       "Adjust the learning rate in the direction indicated."),
    _c("unchanged-parameters", "monitor", "error", "Parameters never change",
       "These weights are not trained (no gradient, or not given to the optimizer).",
       "Pass all parameters to the optimizer; check requires_grad and the computation graph."),
    _c("poor-initialization", "monitor", "warning", "Poor initialization",
       "Activation variance collapsing or growing layer by layer at the start starves or blows up the "
       "signal in deep layers.",
       "Use He (ReLU) or Xavier (tanh) initialization, or batch norm."),
    # ----------------------------------------------------------------- diagnosis (after training)
    _c("overfitting", "diagnosis", "warning", "Overfitting",
       "Validation loss rises while training loss falls: the model memorizes the training set.",
       "Regularize (weight decay, dropout, augmentation), get more data, or stop early."),
    _c("underfitting", "diagnosis", "warning", "Underfitting",
       "Training loss stays high: the model is too weak, or the training too short or too slow.",
       "Train longer, raise the learning rate, or use a larger model."),
    _c("not-converged", "diagnosis", "info", "Not converged",
       "Validation loss was still improving at the end.", "Train for more epochs."),
    _c("diverged", "diagnosis", "error", "Diverged",
       "The loss became NaN/inf or ended above where it started.", "Lower the learning rate."),
    _c("noisy", "diagnosis", "info", "Noisy curves",
       "Large epoch-to-epoch jumps in validation loss make the best epoch a lucky draw.",
       "Lower the learning rate, use a schedule, a larger batch or a larger validation split."),
    _c("healthy", "diagnosis", "info", "Healthy training curves",
       "Training and validation loss fell together and settled.", "Nothing to fix."),
]}


def finding(id: str, message: str, *, where: str | None = None, severity: Severity | None = None,
            fix: str | None = None) -> Finding:
    """A finding of catalog entry ``id`` (its severity and fix unless overridden)."""
    info = CATALOG[id]
    return Finding(id, severity or info.severity, message, fix or info.fix, where)


def as_dicts(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [asdict(f) for f in findings]


def summarize(findings: Iterable[Finding]) -> str:
    """Multi-line text, errors first."""
    order = {"error": 0, "warning": 1, "info": 2}
    return "\n".join(str(f) for f in sorted(findings, key=lambda f: order[f.severity]))
