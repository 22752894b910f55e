"""The config's sections: frozen, typed dataclasses, each field with its default and its meaning."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from goodfit.config.ranges import ANALOG_RANGES, RANGES, check_ranges, check_run_name
from goodfit.errors import ConfigError

__all__ = ["Config", "DataConfig", "ModelConfig", "OptimConfig", "TrainConfig", "AnalogConfig"]

Scaling = Literal["standardize", "minmax01", "minmax11", "none"]
Augment = Literal["none", "shift", "crop-flip", "crop-flip-cutout", "spectrogram"]
TaskName = Literal["auto", "classification", "binary", "regression", "reconstruction", "denoising"]
LossName = Literal["auto", "ce", "bce", "mse", "l1", "huber"]


@dataclass(frozen=True)
class DataConfig:
    name: str = "mnist-5k"
    task: TaskName = "auto"  # auto: the data set's own (goodfit.tasks); e.g. denoising on an image set
    root: str | None = None  # None: --data-root, else $GOODFIT_DATA, else the user cache dir
    valid_fraction: float = 0.1  # carved from train, stratified
    split_seed: int = 0  # seeds the train/valid split only, so model seeds can vary alone
    scaling: Scaling = "standardize"  # fitted on the training split only
    augment: Augment = "none"
    download: bool = True  # fetch missing MNIST-style files from public mirrors
    train_subset: int = 0  # use only this many training samples (stratified); 0 = all
    folds: int = 0  # k-fold cross-validation: the validation split is fold `fold` of `folds`; 0 = off
    fold: int = 0
    target_scaling: Literal["standardize", "none"] = "standardize"  # regression targets, fitted on train
    noise_std: float = 0.5  # denoising: std of the Gaussian noise added to the (scaled) inputs
    image_size: int = 0  # bring every image to image_size x image_size pixels; 0 = as stored
    resize: Literal["crop", "squash"] = "crop"  # image_size: shorter side + centre crop, or squash to the square
    skip_bad: bool = False  # imagefolder: leave unreadable images out (counted) instead of stopping
    crop_pad: int = 4  # crop-flip*: reflection padding (pixels) around each image before its random crop
    stream: bool | None = None  # scale batches as read, from the raw data (on disk); None: when too big for memory


@dataclass(frozen=True)
class AnalogConfig:
    """The analog chip (BrainScaleS-2-style) and the ``analog-mlp`` model; see docs/analog.md."""

    hidden: tuple[int, ...] = (256, 256)  # analog-mlp hidden sizes (the course's 784-256-256-10)
    input_bits: int = 5  # unsigned input codes 0..2**b-1 (BSS-2: 0..31)
    weight_bits: int = 6  # weight magnitude bits, sign separate: -(2**b-1)..2**b-1 (BSS-2: -63..63)
    output_bits: int = 8  # signed ADC read-out, saturates at -2**(b-1)..2**(b-1)-1 (-128..127)
    chunk_rows: int = 128  # input rows per analog pass; each chunk is read out (and saturates) alone
    gain: float = 0.002  # ADC LSB per (input LSB x weight LSB)
    noise: float = 2.0  # std of the Gaussian read-out noise per chunk, in ADC LSB; 0 = deterministic
    gain_mismatch: float = 0.0  # relative std of a fixed per-(chunk, column) gain pattern
    relu_shift: int = 1  # ConvertingReLU: clamp 0..127, then >> shift, then clamp to the input range
    logit_scale: float = 0.1  # the host scales the integer logits for the loss (argmax unchanged)
    seed: int | None = None  # seeds read-out noise and mismatch; None: torch's global RNG (run seed)

    def __post_init__(self) -> None:
        check_ranges(self, ANALOG_RANGES, prefix="model.analog.")


@dataclass(frozen=True)
class ModelConfig:
    name: str = "mlp"
    hidden: tuple[int, ...] = (64, 64, 64)  # mlp: hidden layer sizes (the course's 784-64-64-64-10)
    activation: str | None = None  # None: the model's own (relu; fastnet: gelu)
    dropout: float = 0.0
    batchnorm: bool | None = None  # None: the model's own choice (mlp: off, convnet: on)
    channels: tuple[int, ...] = ()  # width of each conv stage; (): the model's own (convnet 32,64; fastnet 64,256,256)
    init: Literal["default", "xavier", "kaiming", "dirac"] = "default"  # default: the model's own initialization
    init_bias: float | None = None  # fill every linear / conv bias with this (e.g. 0.01); None: the init's own
    whiten: bool = False  # fastnet: a frozen 2x2 stem that whitens image patches, fitted on training images
    bn_momentum: float = 0.1  # fastnet: batch norm's running-statistics momentum (PyTorch's convention)
    bn_fixed_scale: bool = False  # fastnet: batch-norm scales stay 1, only the shifts learn
    analog: AnalogConfig = field(default_factory=AnalogConfig)  # analog-mlp only


@dataclass(frozen=True)
class OptimConfig:
    name: Literal["adam", "adamw", "sgd"] = "adam"
    loss: LossName = "auto"  # auto: the task's own (ce, bce, mse); mse / l1 / huber for real-valued targets
    label_smoothing: float = 0.0  # cross-entropy only
    lr: float | Literal["find"] = 3e-3  # find: the learning-rate range test picks it (goodfit lr-find)
    weight_decay: float = 0.0
    momentum: float = 0.9  # sgd only
    nesterov: bool = False  # sgd only
    schedule: Literal["constant", "cosine", "onecycle", "triangle"] = "constant"  # onecycle also cycles momentum
    norm_lr_scale: float = 1.0  # normalization layers' learning rate = lr x this (their decay per step unchanged)
    lookahead: bool = False  # every 5 steps the weights move back toward a slow average of themselves
    l1: float = 0.0  # L1 penalty: l1 * sum(|w|) over weight tensors (not biases or norm layers)


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 20
    batch_size: int = 256
    patience: int = 0  # early stopping on valid loss plateau; 0 = off
    min_delta: float = 0.0
    target: float | None = None  # stop once the task's valid score reaches this ("stop at 98 %" accuracy)
    target_metric: str | None = None  # the valid_* column train.target applies to, e.g. valid_loss (lower is better)
    device: str = "cpu"  # cpu, cuda, cuda:1, mps, or auto
    dtype: Literal["float32", "float64"] = "float32"
    amp: bool = False  # autocast to bfloat16 (cpu, where it is fast) / float16 (cuda)
    tta: Literal["none", "flip", "flip-translate"] = "none"  # test-time views after training (not each epoch's)
    compile: bool = False  # torch.compile the model
    deterministic: bool = False  # torch.use_deterministic_algorithms; bit-identical reruns
    loader: Literal["auto", "memory", "dataloader"] = "auto"
    num_workers: int = 0  # dataloader path only
    tensorboard: bool = False  # the same as tracking=tensorboard (kept: older runs' configs say it)
    tracking: tuple[Literal["none", "tensorboard", "mlflow"], ...] = ()  # e.g. mlflow, or tensorboard,mlflow
    checkpoint: bool = True
    evaluate_test: bool = True  # False in k-fold and search trials: the test set stays untouched
    select: Literal["best", "last"] = "best"  # evaluate the best-valid-loss weights, or the last ones
    check: bool = True  # run the pitfall lint before training
    monitors: bool = True  # gradient / activation monitors during training (findings.json)
    keep_trajectory: bool = False  # weights after every epoch, for goodfit optim slice's trajectory plot
    nproc: int = 1  # data-parallel processes; batch_size is split over them (docs/distributed.md)
    reuse_memory: bool = True  # keep freed memory for reuse while fit runs (glibc): far less kernel time a step


@dataclass(frozen=True)
class Config:
    name: str = "run"
    seed: int = 0
    out_dir: str = "runs"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        _validate(self)


def _validate(cfg: Config) -> None:
    """Every field in its range (:data:`RANGES`), then the rules that tie fields together."""
    check_ranges(cfg, RANGES)
    check_run_name(cfg.name)
    checks = [
        (cfg.train.batch_size % cfg.train.nproc == 0,
         f"train.batch_size={cfg.train.batch_size} does not split evenly over train.nproc={cfg.train.nproc} "
         f"processes; use a multiple of {cfg.train.nproc}"),
        ("none" not in cfg.train.tracking or len(cfg.train.tracking) == 1,
         "train.tracking=none cannot be combined with a tracker; give tensorboard, mlflow or both"),
        (cfg.data.folds != 1, "data.folds must be 0 (off) or >= 2"),
        (cfg.data.folds == 0 or cfg.data.fold < cfg.data.folds, "data.fold must be in [0, data.folds)"),
        (not cfg.optim.lookahead or cfg.train.nproc == 1,
         "optim.lookahead runs in one process only; set train.nproc=1 or optim.lookahead=false"),
        (cfg.model.name != "analog-mlp" or cfg.data.scaling == "minmax01",
         "model.name=analog-mlp turns inputs in [0, 1] into chip codes; add data.scaling=minmax01"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(message)
