"""A Django form built from a demo's Param schema (field types, limits, help and defaults).

The form only parses input; demos.base.validate_params (called by the service) stays the one
authority on what is valid, and its per-field messages are attached back to these fields.
"""

from typing import Any

from django import forms
from django.conf import settings

from demos.base import Demo, Param

FULL_FORM_MARKER = "all_params"
SIZE_LABELS = {"smoke": "smoke (CPU, seconds)", "full": "full (GPU, up to a minute)"}


def _field_for(param: Param) -> forms.Field:
    """One form field for one Param, with HTML limits mirroring the schema."""
    common: dict[str, Any] = {
        "help_text": param.help,
        "initial": param.default,
        "label": param.display_label,
    }
    if param.type == "int":
        return forms.IntegerField(
            required=False,
            min_value=int(param.min) if param.min is not None else None,
            max_value=int(param.max) if param.max is not None else None,
            **common,
        )
    if param.type == "float":
        field = forms.FloatField(required=False, min_value=param.min, max_value=param.max, **common)
        field.widget.attrs["step"] = "any"
        return field
    if param.type == "choice":
        return forms.ChoiceField(required=False, choices=[(c, c) for c in param.choices], **common)
    return forms.BooleanField(required=False, **common)


class DemoRunForm(forms.Form):
    """Size plus one field per Param offered at a size this deployment runs."""

    def __init__(self, *args: Any, demo: type[Demo], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.demo = demo
        sizes = [s for s in settings.DEMOS_SIZES if s in demo.sizes]
        self.default_size = sizes[0] if sizes else ""
        self.fields["size"] = forms.ChoiceField(
            required=False,
            label="Size",
            choices=[(s, SIZE_LABELS.get(s, s)) for s in sizes],
            initial=self.default_size,
            help_text="smoke runs on the CPU in seconds; full needs a GPU worker.",
        )
        for param in demo.params:
            if set(param.sizes) & set(sizes):
                self.fields[param.name] = _field_for(param)
                if len(param.sizes) < len(demo.sizes):
                    self.fields[param.name].help_text += f" (only at {', '.join(param.sizes)})"

    def run_size(self) -> str:
        """The chosen size, or the first size this deployment offers (one-click panel runs)."""
        return self.cleaned_data.get("size") or self.default_size

    def run_params(self) -> dict[str, Any]:
        """The submitted params (absent or empty fields omitted so the schema default applies)."""
        size = self.run_size()
        # Only the full form sends this marker; there an absent checkbox means "false".
        full_form = self.data.get(FULL_FORM_MARKER) == "1"
        out: dict[str, Any] = {}
        for param in self.demo.params:
            if param.name not in self.fields or size not in param.sizes:
                continue
            if param.type == "bool" and not full_form and param.name not in self.data:
                continue
            value = self.cleaned_data.get(param.name)
            if value is not None and value != "":
                out[param.name] = value
        return out

    def add_param_errors(self, errors: dict[str, str]) -> None:
        """Attach validate_params messages to their fields (unknown names go to the form)."""
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)
