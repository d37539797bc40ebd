"""A rejection keeps its letter and the files with it, within its limits."""

import pytest
from django.core.exceptions import ValidationError

from applications.models import Attachment
from applications.services import rejection_files_add, rejection_files_remove
from letters import uploads
from letters.files import LetterFile, sniffed_type
from letters.uploads import left_out_message
from tests.factories import AttachmentFactory, RejectionFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% decision\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def _file(name="decision.pdf", data=PDF):
    return LetterFile(name, sniffed_type(data), data)


def test_the_letter_and_the_files_with_it_are_kept_in_order(user):
    rejection = RejectionFactory(application__user=user)
    letter = LetterFile("sorry.eml", "message/rfc822", b"From: a@b.example\r\n\r\nNo.\r\n")
    left_out = rejection_files_add(
        rejection=rejection, letter=letter, enclosed=[_file(), _file("logo.png", PNG)]
    )
    assert left_out == []
    rows = list(
        rejection.attachments.letter_first().values_list("kind", "filename", "content_type")
    )
    assert rows == [
        ("letter", "sorry.eml", "message/rfc822"),
        ("enclosed", "decision.pdf", "application/pdf"),
        ("enclosed", "logo.png", "image/png"),
    ]


def test_a_new_letter_replaces_the_letter_and_keeps_the_other_files(user):
    old = AttachmentFactory(user=user)
    kept = AttachmentFactory(user=user, rejection=old.rejection, kind="enclosed", data=PNG)
    rejection_files_add(rejection=old.rejection, letter=_file("new.pdf"))
    assert set(old.rejection.attachments.values_list("filename", "kind")) == {
        ("new.pdf", "letter"),
        (kept.filename, "enclosed"),
    }


def test_the_same_file_twice_is_kept_once(user):
    rejection = RejectionFactory(application__user=user)
    rejection_files_add(rejection=rejection, enclosed=[_file()])
    rejection_files_add(rejection=rejection, enclosed=[_file(), _file("decision.pdf", PDF + b"2")])
    assert rejection.attachments.count() == 2


def test_files_past_the_count_limit_are_left_out_and_said(user, settings, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_FILES_PER_REJECTION", 3)
    rejection = RejectionFactory(application__user=user)
    files = [_file(f"page-{n}.pdf", PDF + bytes([n])) for n in range(5)]
    left_out = rejection_files_add(rejection=rejection, letter=_file("letter.pdf"), enclosed=files)
    assert [f.filename for f in left_out] == ["page-2.pdf", "page-3.pdf", "page-4.pdf"]
    assert rejection.attachments.count() == 3
    assert left_out_message(left_out) == (
        "3 files with the letter were not kept (page-2.pdf, page-3.pdf, page-4.pdf): "
        "a rejection keeps at most 3 files, 25.0\xa0MB in all."
    )


def test_files_past_the_size_limit_are_left_out(user, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_BYTES_PER_REJECTION", len(PDF) * 2)
    rejection = RejectionFactory(application__user=user)
    files = [_file(f"p{n}.pdf", PDF[:-1] + bytes([n])) for n in range(3)]
    left_out = rejection_files_add(rejection=rejection, enclosed=files)
    assert [f.filename for f in left_out] == ["p2.pdf"]


def test_a_file_added_by_hand_past_the_limit_is_refused_and_nothing_kept(user, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_FILES_PER_REJECTION", 1)
    kept = AttachmentFactory(user=user)
    with pytest.raises(ValidationError, match="at most 1 files: remove one"):
        rejection_files_add(rejection=kept.rejection, enclosed=[_file("more.pdf")], strict=True)
    assert list(kept.rejection.attachments.all()) == [kept]


def test_removing_takes_only_the_rejections_own_files(user, other_user):
    mine = AttachmentFactory(user=user)
    theirs = AttachmentFactory(user=other_user)
    assert rejection_files_remove(rejection=mine.rejection, ids=[mine.pk, theirs.pk]) == 1
    assert list(Attachment.objects.all()) == [theirs]
