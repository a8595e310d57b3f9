"""The one settings object of Sohoa.

Values come, in order of precedence, from: keyword arguments, environment variables `SOHOA_*`,
a TOML config file (`SOHOA_CONFIG`, else `./sohoa.toml`, else `<user config dir>/sohoa/sohoa.toml`),
then the defaults below. `sohoa config` prints the settings in force.
"""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_serializer, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PIPELINE_VERSION = "0.1.0"

# Settings that hold secrets. Each may also come from a file named by SOHOA_<NAME>_FILE (one value, a
# trailing newline ignored), as container secrets are mounted; the web's signing key has its own
# web_secret_key_file. A secrets file, or a config file that holds any of these, must be readable by its
# owner only: other users' access is refused with the chmod to run.
SECRET_FIELDS = ("database_url", "es_password", "es_api_key", "web_secret_key")


class InsecureSecretFile(RuntimeError):
    """A file holding a secret can be read by other users (or cannot be read at all)."""


def check_private(path: Path, what: str) -> None:
    """Refuse a file holding secrets that its group or other users can read or write (mode & 0o077)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InsecureSecretFile(f"{what} {path}: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InsecureSecretFile(f"{what} {path} can be read by other users (mode {stat.S_IMODE(mode):04o}): "
                                 f"run chmod 600 {path}")


def _url_has_password(url: object) -> bool:
    from sqlalchemy.engine import make_url

    try:
        return bool(url) and make_url(str(url)).password is not None
    except Exception:  # not a URL: a value that looks like one with credentials still counts
        return "@" in str(url) and ":" in str(url).split("@", 1)[0].split("//", 1)[-1]


def _secret_files(environ: os._Environ[str] | dict[str, str]) -> dict[str, str]:
    """SOHOA_<NAME>_FILE for each secret: the file's content, once the file is checked private."""
    out: dict[str, str] = {}
    for name in SECRET_FIELDS:
        if name == "web_secret_key":  # SOHOA_WEB_SECRET_KEY_FILE is the web_secret_key_file setting
            continue
        var = f"SOHOA_{name.upper()}_FILE"
        raw = environ.get(var)
        if not raw:
            continue
        if environ.get(f"SOHOA_{name.upper()}"):
            raise InsecureSecretFile(f"both SOHOA_{name.upper()} and {var} are set: keep one")
        path = Path(raw).expanduser()
        check_private(path, f"{var}:")
        try:
            out[name] = path.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise InsecureSecretFile(f"{var}: {path}: {exc.strerror}") from None
    return out


def _config_secrets(data: dict[str, Any]) -> list[str]:
    """The secrets a config file holds (a database or cluster URL counts when it embeds a password)."""
    found = [k for k in ("es_password", "es_api_key", "web_secret_key") if data.get(k)]
    found += [k for k in ("database_url", "es_url") if _url_has_password(data.get(k))]
    return found


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sohoa"


def config_file_path() -> Path | None:
    explicit = os.environ.get("SOHOA_CONFIG")
    if explicit:
        return Path(explicit)
    local = Path("sohoa.toml")
    if local.is_file():
        return local
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    user = Path(base) / "sohoa" / "sohoa.toml"
    return user if user.is_file() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_", extra="ignore", validate_default=True)

    # Where everything Sohoa keeps lives: store, index, archival copies, quarantine.
    data_dir: Path = Field(default_factory=_default_data_dir)

    # Batches: the folder the nightly run ingests, and when it runs
    inbox_dir: Path | None = Field(None, description="default: <data_dir>/inbox")
    schedule_cron: str = "0 1 * * *"
    schedule_timezone: str = "Asia/Ho_Chi_Minh"
    workers: int = Field(0, ge=0, le=64, description="worker processes for OCR (0: one per core, at most 8)")
    task_runner: Literal["process", "dask"] = "process"
    dask_address: str | None = Field(None, description="tcp://host:8786 of a Dask scheduler; none: a local cluster")

    # OCR
    ocr_lang: str = "vie"
    tesseract_cmd: str = "tesseract"
    ocr_engine: Literal["auto", "inprocess", "cli"] = Field(
        "auto", description="inprocess: Tesseract loaded once per worker (tesserocr); cli: one tesseract process "
        "a page (pytesseract); auto: inprocess when tesserocr is installed")
    # Low-resolution copies are upscaled to this for OCR; 250 reads upscaled 150-dpi copies better than 300
    # and costs a fifth less (bench/accuracy.py). Scans of 250-400 dpi keep their own resolution.
    ocr_dpi: int = Field(250, ge=150, le=600, description="resolution low-resolution page images are brought to for OCR")
    render_dpi: int = Field(300, ge=72, le=600, description="resolution born-digital PDF pages are rasterised at")
    tesseract_psm: int = 3
    reread_below: float = Field(0.91, ge=0.0, le=1.0, description="a page whose OCR confidence is below this "
                                "is read again at `reread_dpis`, and its fields are voted over the readings")
    reread_dpis: list[int] = Field(default_factory=lambda: [300, 350],
                                   description="OCR resolutions of the extra readings of a poor low-resolution copy")
    reread_lang: str = Field("vie+Vietnamese", description="Tesseract models of those extra readings: the "
                             "Vietnamese-script model beside `vie` reads speckled copies better (CER 8.0% against "
                             "9.5%) but costs a third more time, so only poor copies get it; empty: `ocr_lang`")
    lexicon_repair: bool = Field(True, description="repair OCR slips in summaries with a Vietnamese dictionary "
                                                   "(underthesea's Viet74K and config/lexicon/extra_words.txt)")
    second_look: bool = Field(True, description="read the signing space again alone (sparse text) when the "
                                                "page reading found no name under the signer's title")

    # Preprocessing steps, each can be switched off (see extractors/preprocess.py)
    preprocess_steps: list[str] = Field(
        default_factory=lambda: [
            "border_crop", "seal_suppression", "orientation", "deskew", "illumination", "denoise", "rescale",
            "despeckle", "text_specks", "remove_rules",
        ]
    )

    orientation_min_confidence: float = Field(1.5, ge=0.0, description="Tesseract OSD confidence needed to turn a page")

    # Born-digital PDFs: a text layer is trusted only above this share of plausible Vietnamese tokens
    text_layer_min_quality: float = Field(0.85, ge=0.0, le=1.0)

    # Resource limits against hostile input (extractors/load.py checks them before decoding anything;
    # each refusal has its own error code, see extractors/errors.py)
    max_pages: int = Field(500, ge=1, description="pages of one file (too_many_pages)")
    max_page_pixels: int = Field(120_000_000, ge=1_000_000,
                                 description="pixels of one page image, or of an image inside a PDF page (page_too_large)")
    max_file_bytes: int = Field(1_000_000_000, ge=1, description="bytes of one file (file_too_large)")
    page_timeout_s: int = Field(180, ge=5, description="seconds of OCR for one page (ocr_timeout)")

    # Archival metadata defaults (Circular 05/2025/TT-BNV codes)
    archive_retention: str = "01"
    archive_use_mode: str = "02"
    archive_language: str = "01"
    archive_physical_state: str = "01"

    # Field rules: YAML files read after the bundled config/doctypes (same name replaces, new name adds)
    doctypes_dir: Path | None = None

    # Store (system of record): any SQLAlchemy URL; empty means SQLite at <data_dir>/sohoa.db
    database_url: str = ""
    # Search index, derived from the store and rebuildable (`sohoa reindex`)
    search_backend: Literal["tantivy", "elasticsearch"] = "tantivy"
    tantivy_heap_mb: int = Field(128, ge=16, description="indexing memory budget of the embedded index writer")
    tantivy_threads: int = Field(1, ge=1, le=8, description="indexing threads of the embedded index writer")
    reindex_batch_size: int = Field(500, ge=10, le=10_000)
    # Elasticsearch 8/9 (or OpenSearch with es_opensearch_compat): a real cluster in production
    es_url: str = "http://localhost:9200"
    es_username: str | None = None
    es_password: SecretStr | None = None
    es_api_key: SecretStr | None = None
    es_ca_certs: Path | None = None
    es_verify_certs: bool = True
    es_index_prefix: str = Field("sohoa", pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    es_opensearch_compat: bool = Field(False, description="plain application/json headers instead of the ES compatibility media type")
    es_timeout_s: float = Field(30.0, gt=0)
    es_max_retries: int = Field(5, ge=0)

    # Web app (`sohoa web`, web/): clerks' search and archivists' review and batches on the office network
    web_host: str = "127.0.0.1"
    web_port: int = Field(8080, ge=1, le=65535)
    # signs CSRF tokens; unset: read from web_secret_key_file, created (mode 0600) on first start
    web_secret_key: SecretStr | None = None
    web_secret_key_file: Path | None = Field(None, description="default: <data_dir>/web/secret.key")
    web_session_minutes: int = Field(480, ge=5, description="a login lasts at most this long (one working day)")
    web_session_idle_minutes: int = Field(60, ge=1, description="a session unused this long ends")
    web_cookie_secure: bool = Field(False, description="set behind HTTPS: cookies only travel encrypted")
    web_login_max_attempts: int = Field(5, ge=1, description="failed logins per account and per address ...")
    web_login_window_s: int = Field(300, ge=10, description="... within this many seconds before a pause")
    web_full_id_roles: list[str] = Field(default_factory=lambda: ["archivist", "admin"],
                                         description="roles that see whole ID numbers on the record page")
    web_ingest_roots: list[Path] = Field(default_factory=list,
                                         description="server folders archivists may ingest (default: inbox_dir)")
    web_upload_max_mb: int = Field(500, ge=1, description="largest upload of one batch")

    # Logs (sohoa/logs.py): key=value lines on stderr; optionally also a file (JSON lines by default,
    # created mode 0600). ID numbers are masked in every line, whoever logs it.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] | None = Field(
        None, description="level of Sohoa's logs (default: WARNING, INFO with --verbose)")
    log_file: Path | None = Field(None, description="also write the logs to this file (appended)")
    log_format: Literal["json", "text"] = Field("json", description="format of log_file")

    @model_validator(mode="after")
    def _default_database_url(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'sohoa.db'}"
        if self.inbox_dir is None:
            self.inbox_dir = self.data_dir / "inbox"
        return self

    @field_serializer("database_url", "es_url")
    def _mask_url_password(self, url: str) -> str:
        # `sohoa config` must never print a password embedded in a URL
        from sqlalchemy.engine import make_url

        try:
            return make_url(url).render_as_string(hide_password=True)
        except Exception:  # not a URL SQLAlchemy understands: show it as given
            return url

    def __repr_args__(self) -> Any:
        # repr() and str() of the settings (tracebacks, debug logs) never show a password of a URL
        for name, value in super().__repr_args__():
            yield name, (self._mask_url_password(value) if name in ("database_url", "es_url") else value)

    @property
    def config_file(self) -> Path | None:
        return config_file_path()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        files = _secret_files(os.environ)
        if files:
            sources.append(InitSettingsSource(settings_cls, init_kwargs=files))
        path = config_file_path()
        if path is not None:
            toml = TomlConfigSettingsSource(settings_cls, toml_file=path)
            secrets = _config_secrets(toml.toml_data)
            if secrets:
                check_private(path, f"config file (holds {', '.join(secrets)})")
            sources.append(toml)
        return tuple(sources)

    def describe(self) -> dict[str, Any]:
        out = self.model_dump(mode="json")
        out["config_file"] = str(self.config_file) if self.config_file else None
        out["pipeline_version"] = PIPELINE_VERSION
        return out


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
