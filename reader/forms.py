"""Query-string forms for the pages: bad parameters become a 400 with the form's messages."""

from django import forms

from reader.search import MAX_HITS
from reader.selectors import PAGE_SIZE, SEARCH_SORTS, SORTS

MAX_PAGE = 200  # 5,000 papers: more than any announcement day


class ListingForm(forms.Form):
    """``?date=YYYY-MM-DD&sort=default|time|stars&page=N&fragment=1`` on a listing."""

    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS])
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
    fragment = forms.BooleanField(required=False)

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or "default"

    def clean_page(self) -> int:
        return self.cleaned_data["page"] or 1


class SearchForm(forms.Form):
    """``?q=...&sort=relevance|time|stars&page=N`` on the search page and feed."""

    q = forms.CharField(required=False, strip=True, max_length=2000)
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SEARCH_SORTS])
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_HITS // PAGE_SIZE)

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or "relevance"

    def clean_page(self) -> int:
        return self.cleaned_data["page"] or 1


def form_errors(form: forms.Form) -> list[str]:
    """Readable "field: message" lines for a 400 page."""
    return [f"{name}: {msg}" for name, msgs in form.errors.items() for msg in msgs]
