"""Where the live sources are and who is asking: read from the environment in this one
place into a frozen ``SourceSettings`` (the CLI's ``--openalex-url`` and friends
override its fields with ``dataclasses.replace``). ``SETTINGS`` lists every variable
with its default and help, for the documentation and the test that keeps them
documented."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

OPENALEX_URL = "https://api.openalex.org"
S2_URL = "https://api.semanticscholar.org"
ARXIV_URL = "https://export.arxiv.org"
# arXiv's OAI-PMH service, moved here from export.arxiv.org/oai2 in 2025
ARXIV_OAI_URL = "https://oaipmh.arxiv.org/oai"


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, the ``SourceSettings`` field it fills, its
    default (None: unset) and a line of help."""

    variable: str
    field: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SCHOLARSCOPE_OPENALEX_URL",
        "openalex_url",
        OPENALEX_URL,
        "Base URL of the OpenAlex API (a mirror or a replay server in tests).",
    ),
    Setting(
        "SCHOLARSCOPE_S2_URL",
        "s2_url",
        S2_URL,
        "Base URL of the Semantic Scholar API (paths start /graph/v1/...).",
    ),
    Setting(
        "SCHOLARSCOPE_ARXIV_URL",
        "arxiv_url",
        ARXIV_URL,
        "Base URL of the arXiv API (paths start /api/query).",
    ),
    Setting(
        "SCHOLARSCOPE_ARXIV_OAI_URL",
        "arxiv_oai_url",
        ARXIV_OAI_URL,
        "arXiv's OAI-PMH endpoint (the whole URL the verbs are asked at), for sync.",
    ),
    Setting(
        "SCHOLARSCOPE_OPENALEX_KEY",
        "openalex_key",
        None,
        "OpenAlex API key (free at openalex.org/settings/api); sent as api_key.",
    ),
    Setting(
        "SCHOLARSCOPE_S2_KEY",
        "s2_key",
        None,
        "Semantic Scholar API key; sent in the x-api-key header.",
    ),
    Setting(
        "SCHOLARSCOPE_MAILTO",
        "mailto",
        None,
        "Contact e-mail address: in the User-Agent, and OpenAlex's mailto parameter.",
    ),
)


@dataclass(frozen=True)
class SourceSettings:
    """The base URLs of the three live sources, their keys and the contact address.
    Keys never show in a repr.

    >>> settings = SourceSettings.from_environment({"SCHOLARSCOPE_S2_KEY": "k"})
    >>> settings.openalex_url, settings.s2_key
    ('https://api.openalex.org', 'k')
    >>> "k'" in repr(settings)
    False
    """

    openalex_url: str = OPENALEX_URL
    s2_url: str = S2_URL
    arxiv_url: str = ARXIV_URL
    arxiv_oai_url: str = ARXIV_OAI_URL
    openalex_key: str | None = field(default=None, repr=False)
    s2_key: str | None = field(default=None, repr=False)
    mailto: str | None = None

    def __post_init__(self) -> None:
        for name in ("openalex_url", "s2_url", "arxiv_url", "arxiv_oai_url"):
            url = getattr(self, name)
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{name} is an http:// or https:// URL, not {url!r}")
            # one spelling, so "…org" and "…org/" file kept answers under the same URL
            object.__setattr__(self, name, url.rstrip("/"))

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> SourceSettings:
        """The settings from ``environ`` (``os.environ`` in the CLI); a variable unset,
        empty or all spaces means its default.

        >>> SourceSettings.from_environment({"SCHOLARSCOPE_ARXIV_URL": "http://127.0.0.1:8080/"}).arxiv_url
        'http://127.0.0.1:8080'
        """
        values: dict[str, str] = {}
        for setting in SETTINGS:
            value = environ.get(setting.variable, "").strip()
            if value:
                values[setting.field] = value
        try:
            return cls(**values)
        except ValueError as exc:
            variable = next(s.variable for s in SETTINGS if str(exc).startswith(s.field))
            raise ValueError(f"{variable}: {exc}") from None
