"""Every kind of finding goodfit reports, once: its stage, severity, title, why it matters, the fix,
what goodfit looks at to find it, and which published tool or checklist names the condition.

Sources, abbreviated in ``sources``: **DeepDiagnosis** (Wardat et al., ICSE 2022: eight symptoms
watched during training), **DeepLocalize** (Wardat et al., ICSE 2021: the layer where numbers break),
**UMLAUT** (Schoop et al., CHI 2021: heuristics over program structure and model behaviour),
**SageMaker** (Amazon SageMaker Debugger's built-in rules), **Karpathy** ("A Recipe for Training
Neural Networks", 2019), **course** (the course's own list of pitfalls) and **goodfit** (found in
goodfit's own reviews of course code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from goodfit.i18n import N_

__all__ = ["CheckInfo", "ENTRIES", "STAGES"]

Severity = Literal["error", "warning", "info"]
STAGES = ("lint", "sanity", "monitor", "diagnosis")


@dataclass(frozen=True)
class CheckInfo:
    id: str
    stage: Literal["lint", "sanity", "monitor", "diagnosis"]  # where it is reported first
    severity: Severity
    title: str
    why: str
    fix: str
    looks_at: str = ""  # what goodfit inspects to find it
    sources: tuple[str, ...] = ()  # the published tools / checklists that name the condition


def _c(id: str, stage: str, severity: str, title: str, why: str, fix: str, looks_at: str,
       *sources: str) -> CheckInfo:
    return CheckInfo(id, stage, severity, title, why, fix, looks_at, sources)  # type: ignore[arg-type]


ENTRIES: list[CheckInfo] = [
    # ----------------------------------------------------------------- lint: the model and the loss
    _c("softmax-before-ce", "lint", "error", N_("Softmax (or log-softmax) before CrossEntropyLoss"),
       N_("CrossEntropyLoss applies log-softmax itself; a softmax in front squashes the logits, gradients vanish and "
          "training stalls far from 100 %."),
       N_("Remove the final Softmax/LogSoftmax; return logits and apply softmax only for display."),
       N_("The model's last layer; outputs on a probe batch whose rows sum to 1 (or log-sum-exp to 0)."),
       "course", "UMLAUT", "Karpathy: verify loss @ init"),
    _c("sigmoid-before-bce", "lint", "error", N_("Sigmoid before BCEWithLogitsLoss"),
       N_("BCEWithLogitsLoss applies the sigmoid itself; a sigmoid in front squeezes the logit into (0, 1), so the "
          "loss can never approach 0 and gradients stay small."),
       N_("Remove the final Sigmoid and return the logit (or use BCELoss on probabilities, less stable)."),
       N_("The model's last layer when the loss is BCEWithLogitsLoss."), "UMLAUT", "goodfit"),
    _c("activation-before-logits", "lint", "warning", N_("An activation after the last layer of a logits loss"),
       N_("Logits must be free to take any real value; a ReLU (or tanh, GELU...) after the last linear layer clips "
          "them, so some classes can never win and the loss stalls."),
       N_("Remove the activation after the last layer; the loss takes raw logits."),
       N_("The model's last layer when the loss is CrossEntropyLoss or BCEWithLogitsLoss."), "UMLAUT"),
    _c("softmax-from-logits", "lint", "error", N_("A softmax output and a loss with from_logits=True"),
       N_("With from_logits=True a Keras loss applies the softmax (or sigmoid) itself; a softmax in the last layer "
          "makes it squash probabilities a second time: gradients shrink and training stalls far from 100 %."),
       N_("Remove activation='softmax' from the last Dense layer and keep from_logits=True (apply the softmax only to "
          "show probabilities)."),
       N_("The Keras model's last layer and its outputs on a probe batch, against the compiled loss's from_logits."),
       "course", "goodfit"),
    _c("logits-not-from-logits", "lint", "error", N_("Logits given to a loss with from_logits=False"),
       N_("Keras' cross-entropy losses take probabilities unless from_logits=True (their default is False): raw scores "
          "are then divided by their sum and clipped, so the loss and its gradients mean little and accuracy stays "
          "low."),
       N_("Compile with SparseCategoricalCrossentropy(from_logits=True) (BinaryCrossentropy(from_logits=True)) for a "
          "model that ends in a plain Dense layer."),
       N_("The Keras model's last activation and its outputs on a probe batch (values outside [0, 1], rows not summing "
          "to 1) when the loss has from_logits=False."), "course", "goodfit"),
    _c("targets-loss-mismatch", "lint", "error", N_("Targets that do not fit the loss"),
       N_("Cross-entropy takes integer class indices: float labels crash it, one-hot rows silently change its "
          "meaning; a regression loss on class indices treats classes as numbers on a line."),
       N_("Class indices (y.long()) for CrossEntropyLoss; real values (y.float()) for MSE / L1 / Huber."),
       N_("The targets' dtype and shape against the loss."), "UMLAUT", "goodfit"),
    _c("labels-out-of-range", "lint", "error", N_("Labels outside [0, n_outputs)"),
       N_("CrossEntropyLoss indexes the logits by label: out-of-range labels crash (or, on GPU, assert obscurely); a "
          "binary loss needs targets 0 and 1."),
       N_("Map labels to 0..C-1 and give the model C outputs (0 / 1 for a binary loss)."),
       N_("Every split's labels against the model's number of outputs."), "goodfit"),
    _c("wrong-output-units", "lint", "error", N_("Output units do not match the classes or the targets"),
       N_("Too few outputs cannot represent every class; extra outputs waste capacity and skew the initial loss; a "
          "regression or denoising model must output the target's shape."),
       N_("Set the last layer's out_features to the number of classes (one logit for a binary loss, the target's "
          "size for regression)."),
       N_("The model's output shape on a probe batch against the classes or the targets' shape."), "UMLAUT"),
    _c("forward-error", "lint", "error", N_("The model fails on a training batch"),
       N_("A forward pass that raises on the data it will be trained on (a shape or dtype mismatch) stops training "
          "at the first step."),
       N_("Make the model's input layer fit the data (flatten images for a Linear layer, channels first)."),
       N_("One forward pass on a probe batch of training inputs."), "Karpathy: set up the skeleton"),
    _c("model-in-eval-mode", "lint", "warning", N_("The model is in eval mode before training"),
       N_("In eval mode dropout is off and batch norm uses its running statistics: the model trains without them, "
          "and batch norm's statistics never learn."),
       N_("Call model.train() before the training steps (and model.eval() only for evaluation)."),
       N_("model.training of a model with dropout or batch norm (goodfit watch: during optimizer steps)."), "goodfit"),
    _c("all-parameters-frozen", "lint", "error", N_("Every parameter is frozen"),
       N_("With requires_grad=False everywhere, no gradient is computed and the optimizer changes nothing."),
       N_("Set requires_grad=True on the parameters to train (freeze only a pretrained backbone on purpose)."),
       N_("requires_grad of every parameter."), "DeepDiagnosis: unchanged weight"),
    _c("optimizer-params-mismatch", "lint", "error", N_("The optimizer does not hold the model's parameters"),
       N_("An optimizer built for another model (or a copy made before model.to(...)) updates tensors the model does "
          "not use; parameters it lacks never change."),
       N_("Build the optimizer from the model you train: optimizer = Adam(model.parameters(), ...)."),
       N_("The optimizer's parameter groups against the model's trainable parameters."),
       "DeepDiagnosis: unchanged weight", "SageMaker: UnchangedTensor"),
    _c("extreme-lr", "lint", "warning", N_("Extreme learning rate for the optimizer"),
       N_("Far above the usual range the loss explodes; far below it nothing moves within the budget."),
       N_("Adam/AdamW: 1e-4..1e-2; SGD: 1e-3..0.5. Run 'goodfit sanity' to see the effect."),
       N_("The learning rate against the usual range of each torch optimizer (SGD, Adam, AdamW, Adamax, NAdam, "
          "RAdam, RMSprop, Adagrad, Adadelta, ASGD, Rprop, LBFGS, SparseAdam, Adafactor); SGD's upper bound grows "
          "with batches above 256 samples (the linear scaling rule)."),
       "UMLAUT", "Karpathy: tune"),
    _c("extreme-weight-decay", "lint", "warning", N_("Extreme weight decay"),
       N_("Weight decay added to the gradient (SGD, Adam) above ~0.01 pulls the weights to zero faster than the data "
          "can move them; a negative one grows them."),
       N_("Use 1e-5..1e-3 with SGD/Adam, or AdamW (decoupled) with 0.01..0.1."),
       N_("weight_decay against the optimizer's kind: decoupled (AdamW) or L2."), "goodfit"),
    _c("batchnorm-batch-of-one", "lint", "error", N_("Batch norm with a batch of one sample"),
       N_("Batch norm in training mode cannot normalize a single sample: torch raises, at the first step or, for a "
          "last batch of one, at the end of every epoch."),
       N_("Use batches of 2 or more, or drop_last=True in the DataLoader."),
       N_("Batch norm layers against the batch size and the training set's size modulo the batch size."), "goodfit"),
    # ----------------------------------------------------------------- lint: data and protocol
    _c("unshuffled-train-loader", "lint", "error", N_("Training DataLoader without shuffling"),
       N_("Batches then come in the same order every epoch; with class-sorted data each batch holds one class and "
          "the model chases the last class it saw."),
       N_("DataLoader(train_set, shuffle=True, ...)"),
       N_("The training loader's sampler."), "course", "Karpathy: become one with the data"),
    _c("sorted-labels", "lint", "warning", N_("Training data sorted by label"),
       N_("Long runs of one class (the mnist-5k file is sorted) are harmless only if every epoch shuffles."),
       N_("Shuffle the training loader; split with a stratified, shuffled split."),
       N_("Runs of one label (or increasing targets) in the order the training loader yields them."),
       "course", "Karpathy: become one with the data"),
    _c("validation-split-tail", "lint", "error", N_("validation_split takes the tail of sorted data"),
       N_("Keras' validation_split cuts off the last samples of the arrays, before any shuffling; on data sorted by "
          "label (the mnist-5k file is) the validation part holds the last classes only: training never sees them "
          "and validation scores judge a few classes."),
       N_("Shuffle the arrays once before model.fit (p = rng.permutation(len(x)); x, y = x[p], y[p]), or pass "
          "validation_data from a stratified split (train_test_split(..., stratify=y))."),
       N_("The class mix (or the order of the targets) of the training part against the tail validation_split cut "
          "off."), "course", "goodfit"),
    _c("test-as-valid", "lint", "error", N_("Test set used for validation or model selection"),
       N_("Early stopping, tuning or picking the best epoch on the test set makes its score optimistic: it is no "
          "longer an estimate on new data."),
       N_("Carve the validation split from the training data; touch the test set once, at the end."),
       N_("The validation and test loaders, their data sets, and hashes of their samples."), "course"),
    _c("test-reused", "lint", "warning", N_("Test set evaluated more than once"),
       N_("Each look at the test score that influences a decision leaks information into the model choice."),
       N_("Decide on validation scores; report the test score once."),
       N_("The test evaluations a run's metrics.json records."), "course"),
    _c("train-test-overlap", "lint", "error", N_("Identical samples in train and test"),
       N_("Duplicates across the split measure memorization, not generalization."),
       N_("Split once, into disjoint parts (one random_split with every size, not one call per split), and "
          "deduplicate (hash the samples) before splitting."),
       N_("Hashes of every training and test sample."), "UMLAUT", "Karpathy: become one with the data"),
    _c("train-valid-overlap", "lint", "error", N_("Identical samples in train and validation"),
       N_("Validation samples the model trained on make the validation score, and every choice made on it (early "
          "stopping, the best epoch, hyperparameters), optimistic."),
       N_("Split once, into disjoint parts (one random_split with every size, not one call per split), before any "
          "augmentation or oversampling, and deduplicate first."),
       N_("Hashes of every training and validation sample; loaders reading the same data set."), "UMLAUT"),
    _c("group-overlap", "lint", "error", N_("A group in train and in validation or test"),
       N_("Samples of one speaker, patient or session resemble each other more than strangers do: a test set that "
          "shares them with train measures recognising those, not generalizing to new ones."),
       N_("Split by group (a speaker-disjoint split: sklearn's GroupShuffleSplit / GroupKFold; goodfit's data sets "
          "with groups do it by themselves), so that every group lies in one split only."),
       N_("Each sample's group, per split (goodfit.check(groups=...), or a data set's speakers)."),
       "Kapoor & Narayanan 2023: leakage", "scikit-learn: group-wise splits"),
    _c("valid-test-overlap", "lint", "warning", N_("Validation and test share samples"),
       N_("Whatever is chosen on those validation samples is then tested on them: the test score leaks."),
       N_("Make the validation and test splits disjoint."),
       N_("Hashes of every validation and test sample."), "goodfit"),
    _c("nonfinite-inputs", "lint", "error", N_("NaN or inf in the inputs"),
       N_("One NaN input makes every loss and gradient it touches NaN; training diverges at once."),
       N_("Find and fill (or drop) the missing values before scaling; check divisions and logs in preprocessing."),
       N_("Every input value of every split."), "DeepLocalize", "UMLAUT"),
    _c("constant-inputs", "lint", "error", N_("Every training input is the same"),
       N_("Identical inputs carry no information: the model can only learn the label frequencies (a data loading bug "
          "such as reading the first sample over and over, or zeros)."),
       N_("Check the data pipeline: the inputs must differ from sample to sample."),
       N_("The training inputs' variation across samples."), "Karpathy: input-independent baseline"),
    _c("unscaled-inputs", "lint", "warning", N_("Unscaled inputs"),
       N_("Inputs like 0..255 make the first layer's pre-activations huge: saturation, large gradients, a learning "
          "rate that works nowhere."),
       N_("Scale to [0, 1], [-1, 1] or standardize (data.scaling=minmax01|minmax11|standardize)."),
       N_("The share of training inputs beyond ±20 (a few large z-scores after standardization are fine) and "
          "integer-valued inputs above 2."), "UMLAUT", "SageMaker: CheckInputImages"),
    _c("scaling-leak", "lint", "error", N_("Scaling fitted on all data instead of the training split"),
       N_("Statistics computed over train+test let the test set shape the preprocessing."),
       N_("Fit the scaler on the training split only, then apply it to valid and test."),
       N_("Means, standard deviations and ranges of train and test, pooled and apart."), "course"),
    _c("random-eval-transform", "lint", "warning", N_("Random augmentation on validation or test data"),
       N_("Random crops or flips at evaluation make every evaluation a different draw: scores move between epochs "
          "for no reason, and the test score is not reproducible."),
       N_("Give the validation and test sets only deterministic transforms (resize, normalize)."),
       N_("Sample 0 of the validation and test data sets, read twice."), "goodfit"),
    _c("class-imbalance", "lint", "warning", N_("Class imbalance"),
       N_("Accuracy rewards predicting the majority class; compare against the majority baseline."),
       N_("Report macro F1 and the majority baseline; consider class weights or resampling."),
       N_("Class counts of the training labels (largest / smallest above 1.5, or 4 for a binary task)."),
       "SageMaker: ClassImbalance", "Karpathy: become one with the data"),
    _c("small-valid-split", "lint", "warning", N_("Validation split too small for the number of classes"),
       N_("With a handful of samples per class, validation accuracy moves in big steps and early stopping and model "
          "selection follow noise."),
       N_("Use at least ~20 validation samples per class (data.valid_fraction) or k-fold (--folds)."),
       N_("Validation samples per class (or in all, for real-valued targets)."), "goodfit"),
    _c("batch-larger-than-data", "lint", "error", N_("Batch size larger than the training set"),
       N_("Every epoch is one partial batch: few updates, and batch norm sees odd statistics."),
       N_("Lower train.batch_size below the number of training samples."),
       N_("The batch size against the number of training samples."), "goodfit"),
    # ----------------------------------------------------------------- lint: practice code
    _c("eval-in-train-mode", "lint", "error", N_("Evaluation with the model in train mode"),
       N_("Dropout stays active and batch norm uses batch statistics: scores are noisy and too low."),
       N_("Call model.eval() before evaluating (and model.train() after)."),
       N_("The model's mode while the evaluation function runs (on a copy of the model)."), "course", "UMLAUT"),
    _c("eval-with-grad", "lint", "warning", N_("Evaluation without torch.no_grad"),
       N_("Autograd records every evaluation step: memory grows and evaluation is slower."),
       N_("Wrap evaluation in torch.no_grad() or torch.inference_mode()."),
       N_("Whether autograd is on while the evaluation function runs."), "course"),
    _c("broken-l1", "lint", "error", N_("A broken L1 penalty"),
       N_("torch.norm(model.parameters(), 1) raises (a generator is not a tensor); variants that detach or penalize "
          "nothing leave the model unregularized while you believe it is."),
       N_("Use optim.l1=... (goodfit's sum of |w| over weight tensors), or sum(p.abs().sum() for p in weights)."),
       N_("The penalty's value and its gradient with respect to every weight tensor."), "course"),
    # ----------------------------------------------------------------- lint: the probe pass
    _c("initial-loss", "lint", "warning", N_("Initial loss far from the no-skill loss"),
       N_("An untrained classifier should predict ~uniformly: loss ≈ ln C. Far above means bad initialization or "
          "output scaling; far below means labels leak into inputs."),
       N_("Check the last layer's init/scale and the inputs; see docs/checks.md."),
       N_("The untrained model's loss on a probe batch against ln C (ln 2 for a binary logit)."),
       "Karpathy: verify loss @ init", "SageMaker: PoorWeightInitialization"),
    _c("unused-parameters", "lint", "warning", N_("Parameters no loss reaches"),
       N_("A layer defined but not called in forward(), or cut off by .detach(), gets no gradient: it never learns, "
          "and usually the model is not the one you meant."),
       N_("Call the layer in forward(), remove the .detach(), or delete the unused layer."),
       N_("Parameters whose .grad stays None after a backward pass on a probe batch (on a copy)."),
       "Karpathy: use backprop to chart dependencies", "DeepDiagnosis: unchanged weight"),
    _c("zero-gradient", "lint", "error", N_("Gradients of exactly zero"),
       N_("A parameter whose gradient is exactly zero (a multiplication by zero, a clamp, all units dead) cannot "
          "change, whatever the learning rate."),
       N_("Find what cuts the signal: a zero factor, a hard clamp, dead ReLUs before the layer."),
       N_("Gradients after a backward pass on a probe batch (on a copy); in sanity, the first step's."),
       "SageMaker: AllZero", "DeepDiagnosis: unchanged weight"),
    # ----------------------------------------------------------------- sanity (overfit one batch)
    _c("sanity-passed", "sanity", "info", N_("Overfits one batch"),
       N_("A healthy model, loss and optimizer can memorize a single small batch."),
       N_("Nothing to fix."),
       N_("Batch accuracy and loss after a few hundred steps on one batch."), "Karpathy: overfit one batch"),
    _c("loss-rising", "sanity", "error", N_("Loss rises on a single batch"),
       N_("The optimizer climbs the loss: the learning rate is far too high, or the gradient sign is flipped (a loss "
          "being maximized)."),
       N_("Lower the learning rate 10x; check the sign of the loss (minimize, not maximize)."),
       N_("The loss curve on one batch."), "DeepDiagnosis: loss not decreasing"),
    _c("loss-exploding", "sanity", "error", N_("Loss explodes or becomes NaN"),
       N_("Updates overshoot until values overflow."),
       N_("Lower the learning rate 10-100x; check inputs for NaN/inf; consider gradient clipping."),
       N_("The loss curve on one batch: NaN/inf, or orders of magnitude above the start."),
       "DeepDiagnosis: exploding tensor", "UMLAUT"),
    _c("loss-oscillating", "sanity", "error", N_("Loss oscillates without settling"),
       N_("Either the steps are too large, or the labels do not belong to the inputs (a pairing bug), so there is "
          "nothing consistent to learn."),
       N_("Lower the learning rate; check that inputs and labels are shuffled together."),
       N_("The loss curve's step-to-step changes while the weights move."), "Karpathy: overfit one batch"),
    _c("loss-flat", "sanity", "error", N_("Loss does not react to the weights"),
       N_("The weights change but the loss stays exactly where it started: the loss does not depend on the model's "
          "output (a .detach(), a constant output, every unit dead)."),
       N_("Check that the loss is computed from the model's output, and look for dead or saturated layers."),
       N_("A loss curve without any change while the weights move."), "DeepDiagnosis: loss not decreasing"),
    _c("loss-plateau-lr", "sanity", "error", N_("Loss does not move: learning rate too low"),
       N_("Updates are too small to change the loss within the budget."),
       N_("Raise the learning rate 10-100x (Adam: ~1e-3)."),
       N_("A flat loss while the weights move by less than 0.1 % in all."), "Karpathy: overfit one batch"),
    _c("frozen-parameters", "sanity", "error", N_("Parameters get no gradient"),
       N_("A detached tensor, requires_grad=False or an unused layer disconnects part of the model: those weights "
          "never learn."),
       N_("Remove the .detach()/no_grad, set requires_grad=True, or remove the unused layer."),
       N_("Parameters without a gradient after the first backward pass."), "DeepDiagnosis: unchanged weight"),
    _c("probabilities-to-loss", "sanity", "error", N_("Probabilities given to the loss instead of logits"),
       N_("The model's outputs are rows summing to 1: softmax before CrossEntropyLoss, so the loss cannot approach "
          "0."),
       N_("Return logits; CrossEntropyLoss owns the softmax."),
       N_("The outputs after training on one batch."), "course"),
    _c("loss-plateau", "sanity", "error", N_("Loss plateaus above zero"),
       N_("The model cannot fit even one batch: too little capacity, a bug in the data path or the loss."),
       N_("Check the model's output, the loss and the inputs; try a larger model or a higher lr."),
       N_("The loss curve on one batch."), "Karpathy: overfit one batch"),
    # ----------------------------------------------------------------- monitors (during training)
    _c("vanishing-gradient", "monitor", "warning", N_("Vanishing gradients"),
       N_("Gradients this small leave early layers untrained."),
       N_("Use ReLU-family activations, batch norm, residual connections or better initialization."),
       N_("Mean |grad| per weight tensor below 1e-7: in the lint's probe pass and on a probe batch every 100 steps."),
       "DeepDiagnosis: vanishing gradient", "SageMaker: VanishingGradient"),
    _c("exploding-gradient", "monitor", "error", N_("Exploding gradients"),
       N_("Huge gradients make updates jump and usually end in NaN."),
       N_("Lower the learning rate, clip gradients, or normalize inputs."),
       N_("Mean |grad| per weight tensor above 1e3 or non-finite: in the probe pass and during training."),
       "DeepDiagnosis: exploding tensor", "SageMaker: ExplodingTensor"),
    _c("nonfinite-loss", "monitor", "error", N_("The training loss is NaN or inf"),
       N_("From a NaN loss on, every gradient and weight it touches is NaN: the run is lost."),
       N_("Lower the learning rate; check the inputs for NaN/inf and any log of zero in the loss."),
       N_("The loss value of each of the first steps of a watched script."), "UMLAUT", "DeepLocalize"),
    _c("nonfinite-activation", "monitor", "error", N_("NaN/Inf activations"),
       N_("The first layer producing NaN/Inf is where the numbers broke."),
       N_("Lower the learning rate; check the inputs and any log/div/exp in that layer."),
       N_("Every layer's output on a probe batch: the first one with NaN/inf."),
       "DeepLocalize", "DeepDiagnosis: exploding tensor"),
    _c("dead-relu", "monitor", "warning", N_("Dead ReLUs"),
       N_("Units that output 0 for every input get no gradient and never recover."),
       N_("Lower the learning rate, use LeakyReLU/GELU, or better initialization."),
       N_("ReLU units that are 0 for every probe sample (more than half of a layer)."),
       "DeepDiagnosis: dead node", "SageMaker: DeadRelu"),
    _c("saturated-activation", "monitor", "warning", N_("Saturated sigmoid/tanh units"),
       N_("Saturated units have near-zero gradient."),
       N_("Scale inputs, use batch norm, or switch to ReLU-family activations."),
       N_("Sigmoid / tanh outputs within 0.01 of their limits (more than half of a layer)."),
       "DeepDiagnosis: saturated activation", "SageMaker: SaturatedActivation"),
    _c("update-ratio", "monitor", "warning", N_("Update-to-weight ratio far from ~1e-3"),
       N_("Updates much larger than 1e-3 of the weights mean the lr is too high; much smaller, too low."),
       N_("Adjust the learning rate in the direction indicated."),
       N_("The median ratio of a step's update to the weights, per weight tensor."),
       "SageMaker: WeightUpdateRatio", "Karpathy: tune"),
    _c("unchanged-parameters", "monitor", "error", N_("Parameters never change"),
       N_("These weights are not trained (no gradient, or not given to the optimizer)."),
       N_("Pass all parameters to the optimizer; check requires_grad and the computation graph."),
       N_("Parameters equal to their values at the start of training, after it."),
       "DeepDiagnosis: unchanged weight", "SageMaker: UnchangedTensor"),
    _c("poor-initialization", "monitor", "warning", N_("Poor initialization"),
       N_("Activation variance collapsing or growing layer by layer at the start starves or blows up the signal in "
          "deep layers."),
       N_("Use He (ReLU) or Xavier (tanh) initialization, or batch norm."),
       N_("The spread of each layer's activations before training, first against last hidden layer."),
       "SageMaker: PoorWeightInitialization", "Karpathy: init well"),
    # ----------------------------------------------------------------- diagnosis (after training)
    _c("overfitting", "diagnosis", "warning", N_("Overfitting"),
       N_("Validation loss rises while training loss falls: the model memorizes the training set."),
       N_("Regularize (weight decay, dropout, augmentation), get more data, or stop early."),
       N_("Train and validation loss per epoch."), "SageMaker: Overfit", "UMLAUT", "Karpathy: regularize"),
    _c("underfitting", "diagnosis", "warning", N_("Underfitting"),
       N_("Training loss stays high: the model is too weak, or the training too short or too slow."),
       N_("Train longer, raise the learning rate, or use a larger model."),
       N_("The last training loss against the task's no-skill loss."),
       "DeepDiagnosis: loss not decreasing", "Karpathy: overfit"),
    _c("not-converged", "diagnosis", "info", N_("Not converged"),
       N_("Validation loss was still improving at the end."),
       N_("Train for more epochs."),
       N_("The last epochs' validation (or training) loss."), "SageMaker: StalledTrainingRule"),
    _c("diverged", "diagnosis", "error", N_("Diverged"),
       N_("The loss became NaN/inf or ended above where it started."),
       N_("Lower the learning rate."),
       N_("The training loss per epoch."), "UMLAUT", "DeepDiagnosis: exploding tensor"),
    _c("noisy", "diagnosis", "info", N_("Noisy curves"),
       N_("Large epoch-to-epoch jumps in validation loss make the best epoch a lucky draw."),
       N_("Lower the learning rate, use a schedule, a larger batch or a larger validation split."),
       N_("Epoch-to-epoch changes of the validation loss against its trend."), "Karpathy: tune"),
    _c("healthy", "diagnosis", "info", N_("Healthy training curves"),
       N_("Training and validation loss fell together and settled."),
       N_("Nothing to fix."),
       N_("Train and validation loss per epoch."), "Karpathy: verify decreasing training loss"),
]
