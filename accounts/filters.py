"""What every app's list filters share (django-filter)."""

import copy
import functools
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.filters import QuerySetRequestMixin

SEARCH_MAX = 200  # characters in a list's search box


class OwnedFilterSet(django_filters.FilterSet):
    """A FilterSet over one user's rows. A bad value (an unknown stage, another
    user's company, a date that is not one) is reported beside its field and
    that filter alone is ignored: the valid ones still apply."""

    def __init__(self, data: Any = None, *, queryset: QuerySet, **kwargs: Any) -> None:
        super().__init__(data or None, queryset=queryset, **kwargs)

    @classmethod
    @functools.cache
    def _form_class(cls) -> type[forms.Form]:
        # From the filters as declared, never a request's: a model choice
        # field's queryset here is the declared one (`.none()`).
        filters = copy.deepcopy(cls.base_filters)
        for filter_ in filters.values():
            filter_.model = cls._meta.model  # what a label is found from, as in __init__
        fields = {name: filter_.field for name, filter_ in filters.items()}
        return type(f"{cls.__name__}Form", (cls._meta.form,), fields)

    def get_form_class(self) -> type[forms.Form]:
        """The form class, built once a FilterSet class rather than a request
        (a fifth of a list's filter cost); `form` gives each form's model
        choice fields this request's querysets (the user's companies)."""
        return self._form_class()

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            form = super().form
            for name, filter_ in self.filters.items():
                if isinstance(filter_, QuerySetRequestMixin):
                    form.fields[name].queryset = filter_.get_queryset(filter_.get_request())
        return self._form

    @property
    def active(self) -> bool:
        """Whether any valid filter narrows the list."""
        if not self.is_bound:
            return False
        self.form.is_valid()
        return any(
            value not in (None, "")
            for name, value in getattr(self.form, "cleaned_data", {}).items()
            if name not in self.form.errors
        )
