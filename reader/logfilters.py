"""Logging filters (pure: no Django import)."""

import logging

CLIENT_ERROR_LOGGERS = ("django.security", "django.request")


class ClientErrorsOneLine(logging.Filter):
    """Turn Django's logs of correct 4xx answers into one WARNING line without a traceback.

    Django logs DisallowedHost, RequestDataTooBig, TooManyFieldsSent (django.security.*, as
    ERROR) and MultiPartParserError or BadRequest (django.request) with the exception's
    traceback, although the client's request was wrong and the 400 is the right answer.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if (
            isinstance(status, int)
            and 400 <= status < 500
            and record.name.startswith(CLIENT_ERROR_LOGGERS)
        ):
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
            if record.levelno > logging.WARNING:
                record.levelno = logging.WARNING
                record.levelname = "WARNING"
        return True
