"""The import pages' forms: the upload, the mapping (one select per file column), saving a
mapping under a name. Parsing only; the rules live in services.clean_mapping and
import_configure, whose errors land on the field they name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from regulars.core.forms import DomainErrorsMixin
from regulars.transfer.models import ImportMode, ImportRun
from regulars.transfer.targets import IGNORE, TARGETS

# The keys that find an existing customer, in the order the form lists them.
MATCH_KEYS: tuple[tuple[str, str], ...] = (
    ("email", "Email"),
    ("phone", "Phone"),
    ("account_number", "Account number"),
    ("loyalty_card", "Loyalty card"),
    ("external_id", "External id"),
)
OPTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "fresh_consent",
        "This file records fresh consent",
        (
            "Tick it only when the people in this file opted in again recently (a new "
            "sign-up form, for example). Without it, nobody who opted out is opted in again "
            "by an import; their opt-out stays."
        ),
    ),
    (
        "blank_clears",
        "Empty cells clear existing values",
        "Without it, an empty cell leaves what the customer's record already holds.",
    ),
    (
        "create_categories",
        "Create categories named in the file",
        "Without it, a row naming a category that does not exist is rejected, naming it.",
    ),
)


def target_choices(custom_fields: Sequence[tuple[str, str]]) -> list[tuple[str, Any]]:
    """Ignore, every standard target, and each custom field as `custom:<key>`."""
    return [
        (IGNORE, "Ignore this column"),
        ("Customer record", [(t.name, t.label) for t in TARGETS]),
        *(
            [
                (
                    "Custom fields",
                    [(f"custom:{key}", f"Custom: {label}") for key, label in custom_fields],
                )
            ]
            if custom_fields
            else []
        ),
    ]


class UploadForm(DomainErrorsMixin, forms.Form):
    file = forms.FileField(
        label="File",
        allow_empty_file=True,  # the import says why an empty file is refused
        help_text="CSV (any delimiter or encoding), Excel workbook (.xlsx) or vCard (.vcf), "
        "up to 100 MB.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.txt,.tsv,.xlsx,.vcf,text/csv,text/vcard"}
        ),
    )
    sheet = forms.CharField(
        label="Sheet (optional)",
        max_length=100,
        required=False,
        help_text="For a workbook: the sheet to read. Empty reads the first sheet.",
    )

    def clean_sheet(self) -> str:
        sheet: str = self.cleaned_data.get("sheet") or ""
        if "\x00" in sheet:
            raise forms.ValidationError("Give the sheet's name as it shows on its tab.")
        return sheet.strip()


class MappingForm(DomainErrorsMixin, forms.Form):
    """`target_<i>` per file column, then mode, match keys and the three options."""

    mode = forms.ChoiceField(
        label="What to do", choices=ImportMode.choices, widget=forms.RadioSelect
    )
    match_keys = forms.MultipleChoiceField(
        label="Find existing customers by",
        choices=MATCH_KEYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tried in the order shown under the boxes; a row whose keys find "
        "different customers, or several, is rejected naming them.",
    )
    fresh_consent = forms.BooleanField(label=OPTIONS[0][1], required=False, help_text=OPTIONS[0][2])
    blank_clears = forms.BooleanField(label=OPTIONS[1][1], required=False, help_text=OPTIONS[1][2])
    create_categories = forms.BooleanField(
        label=OPTIONS[2][1], required=False, help_text=OPTIONS[2][2]
    )

    def __init__(
        self,
        data: Any = None,
        *,
        run: ImportRun,
        custom_fields: Sequence[tuple[str, str]],
    ) -> None:
        self.run = run
        initial: dict[str, Any] = {
            "mode": run.mode,
            "match_keys": list(run.match_keys),
            **{name: bool((run.options or {}).get(name)) for name, _l, _h in OPTIONS},
        }
        for index, entry in enumerate(run.mapping):
            initial[f"target_{index}"] = (entry or {}).get("target") or IGNORE
        super().__init__(data, initial=initial)
        for name, _label, _help in OPTIONS:  # the page shows each option's help under it
            self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-help"
        choices = target_choices(custom_fields)
        for index, header in enumerate(run.headers):
            self.fields[f"target_{index}"] = forms.ChoiceField(
                label=f"Column “{header or f'Column {index + 1}'}” goes to",
                choices=choices,
            )

    def domain_field_name(self, name: str) -> str:
        # import_configure names a column's problem "mapping.<index>".
        prefix, _, index = name.partition(".")
        if prefix == "mapping" and index.isdigit():
            return f"target_{index}"
        return name

    def mapping(self) -> list[dict[str, Any]]:
        """One entry per column; a column's type column (a Google "E-mail 1 - Label") is
        kept as the upload suggested it."""
        out = []
        for index in range(len(self.run.headers)):
            old = self.run.mapping[index] if index < len(self.run.mapping) else {}
            out.append(
                {
                    "target": self.cleaned_data[f"target_{index}"],
                    "type_column": (old or {}).get("type_column"),
                }
            )
        return out

    def match_keys_ordered(self) -> list[str]:
        """The ticked keys: those already chosen keep their order, new ones follow in the
        order the form lists them."""
        ticked = set(self.cleaned_data["match_keys"])
        kept = [k for k in self.run.match_keys if k in ticked]
        return kept + [k for k, _label in MATCH_KEYS if k in ticked and k not in kept]

    def options(self) -> dict[str, bool]:
        return {name: bool(self.cleaned_data.get(name)) for name, _l, _h in OPTIONS}


class MappingNameForm(DomainErrorsMixin, forms.Form):
    name = forms.CharField(
        label="Save this mapping as",
        max_length=100,
        help_text="A later file with the same columns starts with this mapping.",
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if "\x00" in name:
            raise forms.ValidationError("Give the mapping a name without control characters.")
        return name.strip()


class RowFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[
            ("", "All rows"),
            ("created", "Created"),
            ("updated", "Updated"),
            ("unchanged", "Unchanged"),
            ("rejected", "Rejected"),
        ],
    )
    after = forms.IntegerField(required=False, min_value=0, max_value=10**9)
