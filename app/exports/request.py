"""What to export: the dataset, format, columns, window and filters, timezone and currency,
validated into an :class:`ExportRequest` (or a :class:`ExportError` naming the parameter)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

from app.auth.permissions import has_permission
from app.exports.datasets import DATASETS, Dataset
from app.queries.filters import Filter, FilterError

FORMATS = ("csv", "xlsx", "json", "parquet", "pdf")
"""Every export format; ``pdf`` only for the report datasets."""

# ISO 4217 codes in use (funds and precious-metal codes left out).
ISO_CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
    KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
    MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
    SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH
    UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()
)
_CODE = re.compile(r"^[A-Z]{3}$")


class ExportError(FilterError):
    """A bad export parameter; the message says which one and why (an HTTP 400)."""


class ExportForbidden(PermissionError):
    """The caller's role may not export this dataset (an HTTP 403)."""


@dataclass(frozen=True)
class ExportRequest:
    """A validated export: ``columns`` in output order, ``currency`` None for amounts as
    stored (row datasets: each in its own currency; reports: USD)."""

    dataset: str
    format: str
    columns: tuple[str, ...]
    filter: Filter
    tz: str = "UTC"
    currency: str | None = None

    @property
    def spec(self) -> Dataset:
        return DATASETS[self.dataset]

    def params(self) -> dict[str, Any]:
        """A JSON-ready description (history, audit log, job rows); see :func:`from_params`."""
        f = self.filter
        return {
            "dataset": self.dataset,
            "format": self.format,
            "columns": list(self.columns),
            "start": f.start.isoformat(),
            "end": f.end.isoformat(),
            "symbols": list(f.symbols),
            "lps": list(f.lps),
            "books": list(f.books),
            "rule_ids": list(f.rule_ids),
            "segments": list(f.segments),
            "tz": self.tz,
            "currency": self.currency,
        }


def from_params(params: dict[str, Any]) -> ExportRequest:
    """The request :meth:`ExportRequest.params` described."""
    f = Filter(
        start=dt.datetime.fromisoformat(params["start"]),
        end=dt.datetime.fromisoformat(params["end"]),
        symbols=tuple(params.get("symbols", ())),
        lps=tuple(params.get("lps", ())),
        books=tuple(params.get("books", ())),
        rule_ids=tuple(params.get("rule_ids", ())),
        segments=tuple(params.get("segments", ())),
    )
    return ExportRequest(
        params["dataset"],
        params["format"],
        tuple(params["columns"]),
        f,
        params.get("tz") or "UTC",
        params.get("currency"),
    )


def check_timezone(tz: str) -> str:
    """``tz`` if it is an IANA timezone name (``Europe/London``), else an ExportError."""
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ExportError(
            "tz", f"unknown timezone {tz!r}; use an IANA name like Europe/London"
        ) from None
    return tz


def check_currency(currency: str | None) -> str | None:
    """An ISO 4217 code (upper case), None for no conversion, or an ExportError."""
    if currency is None or currency == "":
        return None
    code = currency.strip().upper()
    if not _CODE.match(code) or code not in ISO_CURRENCIES:
        raise ExportError("currency", f"unknown currency {currency!r}; use an ISO 4217 code")
    return code


def check_columns(dataset: Dataset, columns: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The chosen columns in the order given (all of them when none is), duplicates dropped."""
    wanted = [c.strip() for c in columns if c.strip()]
    if not wanted:
        return dataset.column_names
    unknown = [c for c in wanted if c not in dataset.column_names]
    if unknown:
        raise ExportError(
            "columns",
            f"unknown column(s) {', '.join(unknown)} for {dataset.name}; "
            f"one of {', '.join(dataset.column_names)}",
        )
    return tuple(dict.fromkeys(wanted))


def build_request(
    dataset: str,
    fmt: str,
    columns: list[str] | tuple[str, ...],
    f: Filter,
    *,
    tz: str = "UTC",
    currency: str | None = None,
    max_window_days: int = 366,
) -> ExportRequest:
    """Validate every parameter of an export (ExportError names the first bad one)."""
    spec = DATASETS.get(dataset)
    if spec is None:
        raise ExportError("dataset", f"unknown dataset {dataset!r}; one of {', '.join(DATASETS)}")
    if fmt not in FORMATS:
        raise ExportError("format", f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if fmt == "pdf" and spec.report_kind is None:
        reports = ", ".join(d.name for d in DATASETS.values() if d.report_kind)
        raise ExportError("format", f"pdf is only for the reports ({reports}), not {dataset}")
    if f.end - f.start > dt.timedelta(days=max_window_days):
        raise ExportError("end", f"window larger than the export maximum of {max_window_days} days")
    if spec.scope is not None:
        try:
            spec.scope(f)  # refuses a dimension filter the dataset cannot apply
        except FilterError as exc:
            raise ExportError(exc.parameter, str(exc).split(": ", 1)[-1]) from None
    return ExportRequest(
        dataset, fmt, check_columns(spec, columns), f, check_timezone(tz), check_currency(currency)
    )


def check_permission(dataset: str, role: str | None) -> None:
    """ExportForbidden unless ``role`` holds the dataset's permission."""
    spec = DATASETS[dataset]
    if not has_permission(role, spec.permission):
        raise ExportForbidden(f"exporting {dataset} needs {spec.permission.value}")
