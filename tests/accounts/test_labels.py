"""label_rows: each row's choice labels, as get_FOO_display gives them."""

from types import SimpleNamespace

from accounts.labels import date_rows, label_rows
from applications.models import Application, Outcome, Source, Stage


def test_each_row_gets_the_label_of_its_value():
    rows = [
        Application(current_stage=Stage.ONSITE, outcome=Outcome.REJECTED, source=Source.REFERRAL),
        Application(current_stage=Stage.SAVED, outcome=Outcome.OPEN, source=""),
    ]
    label_rows(rows, current_stage=Stage, outcome=Outcome, source=Source)
    for row in rows:
        assert row.current_stage_label == row.get_current_stage_display()
        assert row.outcome_label == row.get_outcome_display()
        assert row.source_label == row.get_source_display()


def test_a_value_without_a_label_shows_as_itself():
    row = SimpleNamespace(outcome="archived")
    label_rows([row], outcome=Outcome)
    assert row.outcome_label == "archived"


def test_each_row_gets_its_date_in_the_named_format():
    import datetime

    from django.template import Context, Template

    rows = [Application(applied_on=datetime.date(2026, 3, 4)), Application(applied_on=None)]
    date_rows(rows, applied_on="DATE_FORMAT")
    expected = Template('{{ day|date:"DATE_FORMAT" }}').render(Context({"day": rows[0].applied_on}))
    assert rows[0].applied_on_text == expected
    assert rows[1].applied_on_text == ""


def test_a_days_text_is_kept_for_its_format_and_language():
    import datetime

    from django.utils import dateformat, translation

    from accounts.labels import day_text

    day = datetime.date(2026, 3, 4)
    english = day_text(day, "j F Y")
    with translation.override("fr"):
        french = day_text(day, "j F Y")
        assert french == dateformat.format(day, "j F Y")
    assert (english, french) == ("4 March 2026", "4 mars 2026")
    assert day_text(day, "j F Y") == english
    assert day_text(day, "Y-m-d") == "2026-03-04"
    # Moments hardly repeat: formatted, never kept.
    from accounts.labels import _day_text

    kept = _day_text.cache_info().currsize
    moment = datetime.datetime(2026, 3, 4, 23, 30, tzinfo=datetime.UTC)
    assert day_text(moment, "j F H:i") == dateformat.format(moment, "j F H:i")
    assert _day_text.cache_info().currsize == kept
