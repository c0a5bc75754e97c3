"""Form helpers: domain errors land on the field they name, and what was typed is kept."""

from __future__ import annotations

from django import forms

from regulars.core.errors import DomainError


class DomainErrorsMixin(forms.BaseForm):
    def add_domain_error(self, exc: DomainError) -> None:
        placed = False
        for error in exc.errors:
            if error.field in self.fields:
                self.add_error(error.field, error.message)
                placed = True
        if not placed:
            self.add_error(None, exc.detail)
