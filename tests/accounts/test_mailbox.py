"""The development mailbox writes one .eml file per message."""

import email

from django.core import mail

from accounts.mailbox import EmlFileBackend


def test_each_message_is_its_own_eml_file(tmp_path):
    backend = EmlFileBackend(file_path=str(tmp_path))
    messages = [
        mail.EmailMessage(f"Subject {n}", f"Body {n}", "ajar@example.com", ["jo@example.com"])
        for n in range(2)
    ]
    assert backend.send_messages(messages) == 2
    files = sorted(tmp_path.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]
    subjects = {email.message_from_bytes(f.read_bytes())["Subject"] for f in files}
    assert subjects == {"Subject 0", "Subject 1"}
