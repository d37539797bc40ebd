"""label_rows: each row's choice labels, as get_FOO_display gives them."""

from types import SimpleNamespace

import pytest

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


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/New_York"])
def test_a_moments_text_is_what_the_date_filter_writes_in_the_current_zone(zone):
    import datetime

    from django.template import Context, Template
    from django.utils import timezone, translation
    from django.utils.formats import get_format

    from accounts.labels import moment_text

    moments = [
        datetime.datetime(2026, 3, 4, 23, 30, tzinfo=datetime.UTC),
        # 1:30 in New York twice on 1 November 2026: EDT, then EST ("c" and "U" differ).
        datetime.datetime(2026, 11, 1, 5, 30, tzinfo=datetime.UTC),
        datetime.datetime(2026, 11, 1, 6, 30, tzinfo=datetime.UTC),
    ]
    template = Template('{{ moment|date:"DATETIME_FORMAT" }} {{ moment|date:"H:i T O c U" }}')
    with timezone.override(zone):
        for language in ("en", "fr"):
            with translation.override(language):
                for moment in moments:
                    written = template.render(Context({"moment": moment}))
                    fmt = get_format("DATETIME_FORMAT")
                    for _ in range(2):  # written, then kept
                        kept = f"{moment_text(moment, fmt)} {moment_text(moment, 'H:i T O c U')}"
                        assert kept == written


def test_a_moments_text_is_kept_and_told_apart_by_zone():
    import datetime

    from django.utils import timezone

    from accounts.labels import _moment_text, moment_text

    moment = datetime.datetime(2026, 7, 1, 8, 0, tzinfo=datetime.UTC)
    with timezone.override("Europe/Paris"):
        paris = moment_text(moment, "H:i T")
        hits = _moment_text.cache_info().hits
        assert moment_text(moment, "H:i T") == paris
        assert _moment_text.cache_info().hits == hits + 1
    with timezone.override("Asia/Tokyo"):
        assert moment_text(moment, "H:i T") == "17:00 JST"
    assert paris == "10:00 CEST"
