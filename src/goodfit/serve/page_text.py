"""Every text of the draw-a-digit page and the notebook widget, in the current language.

The page's script reads them by key (``T.key``, ``{name}`` filled in on the page), so that the
words live in the gettext catalog with the rest of goodfit and the script holds none.

Examples:
    >>> from goodfit.i18n import use_language
    >>> with use_language("de"):
    ...     page_messages()["untrained"]
    'untrainiert'
"""

from __future__ import annotations

from goodfit.i18n import N_, _, language

__all__ = ["page_messages", "MESSAGES"]

MESSAGES: dict[str, str] = {
    "page_title": N_("goodfit · draw a digit"),
    "title": N_("Draw a digit"),
    "loading": N_("Loading the model…"),
    "drawing_title": N_("Your drawing"),
    "canvas_label": N_("Drawing area: draw with the mouse, a pen or a finger"),
    "draw_help": N_("Draw with the mouse, a pen or a finger. Predictions update while you draw."),
    "tools": N_("Drawing tools"),
    "pen": N_("Pen"),
    "eraser": N_("Eraser"),
    "clear": N_("Clear"),
    "live": N_("Live predictions"),
    "start": N_("Start"),
    "stop": N_("Stop"),
    "stopped": N_("Live predictions are off: press Start."),
    "autostopped": N_("Stopped after {seconds} s without drawing: press Start to go on."),
    "hidden_stopped": N_("Stopped while the page was hidden: press Start to go on."),
    "pred_title": N_("What the network sees"),
    "bars_label": N_("Top 5 classes"),
    "placeholder": N_("Draw something, or insert a test sample."),
    "show": N_("Show"),
    "probability": N_("probability"),
    "logit": N_("raw score (logit)"),
    "read-out": N_("raw score (chip read-out)"),
    "bar_label": N_("{cls}: {value}"),
    "provisional": N_("still drawing: this answer is for an earlier stroke"),
    "preview_alt": N_("The {h}×{w} image the model receives"),
    "preview_caption": N_("The {h}×{w} image the model receives."),
    "preview_caption_mnist": N_("The {h}×{w} image the model receives: the ink cropped, scaled into 20×20 and "
                                "centred, as in MNIST."),
    "samples_title": N_("Insert a test sample"),
    "samples_help": N_("A random image of that class from the test set, and the network's guess on it."),
    "insert_sample_of": N_("Insert a test sample of class {name}"),
    "class": N_("Class"),
    "insert_sample": N_("Insert sample"),
    "sample_right": N_("Test image #{index} of class {name}: the network says {guess} (right)."),
    "sample_wrong": N_("Test image #{index} of class {name}: the network says {guess} (wrong)."),
    "sample_failed": N_("Could not load a sample ({error})."),
    "no_answer": N_("The server did not answer ({error})."),
    "error_status": N_("error {status}"),
    "untrained": N_("untrained"),
    "trained": N_("trained"),
    "info_trained": N_("Model {model} trained on {dataset} · test accuracy {accuracy} · run {run}"),
    "not_tested": N_("not tested"),
    "info_untrained": N_("Model {model} for {dataset}, untrained: random weights, so its guesses are near chance"),
    "info_epoch": N_("Model {model} on {dataset} · epoch {epoch} of {epochs} · validation accuracy {accuracy}"),
    "training": N_("training…"),
    "finished": N_("training finished"),
    "failed": N_("training stopped with an error; see the server's log"),
    "waiting": N_("waiting for the first checkpoint"),
    "api_docs": N_("API docs at"),
}


def page_messages() -> dict[str, str]:
    """:data:`MESSAGES` translated into the current language, plus ``lang`` (its code)."""
    return {**{key: _(text) for key, text in MESSAGES.items()}, "lang": language()}
