"""One exception class per failure the user can act on, each with a stable code (after OCRmyPDF)."""

from __future__ import annotations


class SohoaError(Exception):
    code = "error"
    exit_code = 1

    def __init__(self, message: str, path: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class EmptyFileError(SohoaError):
    code = "empty_file"


class UnsupportedFormatError(SohoaError):
    code = "unsupported_format"


class CorruptFileError(SohoaError):
    code = "corrupt_file"


class EncryptedPdfError(SohoaError):
    code = "encrypted_pdf"


class TooLargeError(SohoaError):
    code = "too_large"


class FileTooLargeError(TooLargeError):
    """More bytes than `max_file_bytes` (SOHOA_MAX_FILE_BYTES)."""

    code = "file_too_large"


class TooManyPagesError(TooLargeError):
    """More pages than `max_pages` (SOHOA_MAX_PAGES)."""

    code = "too_many_pages"


class PageTooLargeError(TooLargeError):
    """A page image (or an image inside a PDF page) of more pixels than `max_page_pixels`
    (SOHOA_MAX_PAGE_PIXELS): huge scans and decompression bombs, refused before their pixels are decoded."""

    code = "page_too_large"


class MissingDependencyError(SohoaError):
    code = "missing_dependency"
    exit_code = 3


class OcrTimeoutError(SohoaError):
    code = "ocr_timeout"
