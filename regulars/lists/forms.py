from __future__ import annotations

from typing import Any, cast

from django import forms

from regulars.core.forms import DomainErrorsMixin
from regulars.customers.models import DEFAULT_COLOUR, Category
from regulars.lists.actions import ACTIONS, SETTABLE


class BulkForm(DomainErrorsMixin, forms.Form):
    """The confirm page: what to do to the selected customers."""

    action = forms.ChoiceField(choices=[(name, kind.label) for name, kind in ACTIONS.items()])
    category_id = forms.TypedChoiceField(
        coerce=int, required=False, label="Category", empty_value=None
    )
    new_category = forms.CharField(max_length=100, required=False, label="…or a new category named")
    new_colour = forms.CharField(
        max_length=7,
        required=False,
        initial=DEFAULT_COLOUR,
        label="Its colour",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    field = forms.ChoiceField(
        choices=[("", "—"), *[(f, f.replace("_", " ").capitalize()) for f in SETTABLE]],
        required=False,
        label="Field to set",
    )
    value = forms.CharField(max_length=200, required=False, label="Value")
    confirm = forms.CharField(
        max_length=10, required=False, label="Type DELETE to delete", strip=True
    )

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["category_id"])
        field.choices = [("", "—"), *[(c.pk, c.name) for c in categories]]

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        params: dict[str, Any] = {}
        if data["new_category"]:
            params["new_category"] = {
                "name": data["new_category"],
                "colour": data["new_colour"] or DEFAULT_COLOUR,
            }
        elif data["category_id"] is not None:
            params["category_id"] = data["category_id"]
        if data["field"]:
            params["field"], params["value"] = data["field"], data["value"]
        if data["confirm"]:
            params["confirm"] = data["confirm"]
        return params


class SavedViewForm(DomainErrorsMixin, forms.Form):
    """Save the list as it is (search, filters, sort, columns) under a name. The list itself
    comes from the page's `next` address, not from fields a browser could leave stale."""

    name = forms.CharField(max_length=100, label="Name")
    shared = forms.BooleanField(required=False, label="Share with everyone in the organization")


class SavedViewEditForm(SavedViewForm):
    replace = forms.BooleanField(
        required=False,
        label="Also replace its search, filters, sort and columns with the list you came from",
    )
