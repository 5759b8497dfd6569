"""The portal's outbox: how it delivers mail (temporary passwords, DIR-01; invitations, LIFE-01).

The portal stands in for Microsoft's cloud and never talks to a real mail host: each message is
written to a file in a folder (MAILERS["default"]["OPTIONS"]["file_path"], EMAIL_FILE_PATH),
where the operator, or a relay they run, picks it up. That is the production set-up too, so it is
named as its own backend rather than Django's development-only file backend (which
`check --deploy` refuses, mail.E001). Since a temporary password is in clear in these files, the
folder is made readable by its owner only and every message file is created mode 0600; the deploy
checks in portal.checks verify the folder.
"""
import datetime
import os

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend


class OutboxBackend(FileEmailBackend):
    def __init__(self, *args, file_path=None, **kwargs):
        if file_path is not None and not os.path.isdir(file_path):
            os.makedirs(file_path, mode=0o700, exist_ok=True)
        super().__init__(*args, file_path=file_path, **kwargs)

    def _get_filename(self):
        if self._fname is None:
            timestamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            self._fname = os.path.join(self.file_path, f"{timestamp}-{abs(id(self))}.log")
        return self._fname

    def open(self):
        if self.stream is None:
            descriptor = os.open(self._get_filename(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self.stream = os.fdopen(descriptor, "ab")
            return True
        return False
