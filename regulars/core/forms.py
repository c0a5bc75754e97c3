"""Form helpers: domain errors land on the field they name, and what was typed is kept."""

from __future__ import annotations

from django import forms

from regulars.core.errors import DomainError


class DomainErrorsMixin(forms.BaseForm):
    # Service field names that a form calls differently (API name → form field name).
    domain_field_aliases: dict[str, str] = {}

    def domain_field_name(self, name: str) -> str:
        return self.domain_field_aliases.get(name, name)

    def add_domain_error(self, exc: DomainError) -> None:
        placed = False
        for error in exc.errors:
            name = self.domain_field_name(error.field)
            if name in self.fields:
                self.add_error(name, error.message)
                placed = True
        if not placed:
            self.add_error(None, exc.detail)
