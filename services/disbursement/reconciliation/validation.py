"""Reading an untrusted bank file: size bounds, no entities, the message type, then its XSD.

Everything here refuses with a `DomainError` (422) whose detail and `errors` name what is wrong in
the file's own terms (an element path, a rule of the schema), never a library's internals and never
a value copied from the file: a statement may name the people a fund pays.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any, NoReturn
from xml.parsers import expat

import xmlschema
from xmlschema.exceptions import XMLResourceForbidden, XMLResourceParseError

from services.disbursement.reconciliation.model import ISO_PREFIX, SUPPORTED, MessageType
from shared.errors import DomainError, Refusal

XSD_DIR = Path(__file__).parent / "xsd"
MAX_BYTES = 10 * 1024 * 1024  # a daily statement of a fund's account is a few hundred kB
MAX_ELEMENTS = 200_000  # about 6,000 entries with their details
MAX_DEPTH = 64  # ISO 20022 documents nest about 15 deep
MAX_ERRORS = 10  # schema errors listed in one answer; the rest are counted
_NAMESPACE = re.compile(r"\{[^}]*\}")
_ATTRIBUTE_VALUE = re.compile(r"""(attribute \w+)=(?:'[^']*'|"[^"]*")""")
# Validators whose reasons quote the schema (a facet's bound, pattern or codes, an attribute's
# name), never the document's values: their words are passed on; others are summarised.
_RULES_WITHOUT_VALUES = ("Facet", "Facets", "XsdAttributeGroup")


def invalid(code: str, detail: str, errors: list[dict[str, Any]] | None = None) -> DomainError:
    return DomainError(Refusal.INVALID, code, detail, errors=errors)


def _problem(field: str, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


@cache
def schema_for(message: MessageType) -> xmlschema.XMLSchema10:
    """The official XSD of a message type, built once per process on first use (0.3 to 0.8 s of
    CPU and about 1.6 MiB each)."""
    return xmlschema.XMLSchema10(XSD_DIR / f"{message.name}.xsd")


def preload(messages: tuple[MessageType, ...] = SUPPORTED) -> None:
    """Build the schemas ahead of the first upload (at start-up, off the event loop)."""
    for message in messages:
        schema_for(message)


def _bounded(data: bytes, max_bytes: int) -> None:
    if not data.strip():
        raise invalid("bank_file_empty", "the file is empty")
    if len(data) > max_bytes:
        raise invalid("bank_file_too_large", f"the file is larger than {max_bytes} bytes")
    if data.count(b"<") > 2 * MAX_ELEMENTS:
        raise invalid("bank_file_too_large", f"the file has more than {MAX_ELEMENTS} elements")


class _Refused(Exception):
    def __init__(self, error: DomainError) -> None:
        self.error = error


class _Guard:
    """One pass of expat over the raw bytes before anything else parses them. An ISO 20022 file
    has no document type declaration: any DOCTYPE, entity or external reference is refused
    before anything is expanded or fetched (XXE, billion laughs); depth and size are bounded."""

    def __init__(self) -> None:
        self.depth = self.elements = 0

    def declaration(self, *_: object) -> NoReturn:
        raise _Refused(
            invalid(
                "bank_file_forbidden_xml",
                "the file declares a document type or entities; an ISO 20022 file never does",
            )
        )

    def start(self, *_: object) -> None:
        self.depth += 1
        self.elements += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(invalid("bank_file_too_deep", f"elements nest deeper than {MAX_DEPTH}"))
        if self.elements > MAX_ELEMENTS:
            detail = f"the file has more than {MAX_ELEMENTS} elements"
            raise _Refused(invalid("bank_file_too_large", detail))

    def end(self, *_: object) -> None:
        self.depth -= 1

    def check(self, data: bytes) -> None:
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = self.declaration
        parser.EntityDeclHandler = self.declaration
        parser.ExternalEntityRefHandler = self.declaration
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        try:
            parser.Parse(data, True)
        except _Refused as refused:
            raise refused.error from None
        except expat.ExpatError as exc:
            where = f" (line {exc.lineno}, column {exc.offset})"
            raise invalid("bank_file_not_xml", f"the file is not well-formed XML{where}") from exc


def _resource(data: bytes) -> xmlschema.XMLResource:
    """Parsed again, with xmlschema's own safe parser (entities forbidden, nothing fetched)."""
    try:
        return xmlschema.XMLResource(data, allow="none", defuse="always")
    except XMLResourceForbidden as exc:
        raise invalid(
            "bank_file_forbidden_xml",
            "the file declares entities or refers to external resources; "
            "an ISO 20022 file never does",
        ) from exc
    except XMLResourceParseError as exc:
        where = _where(exc.__cause__)
        raise invalid("bank_file_not_xml", f"the file is not well-formed XML{where}") from exc
    except (xmlschema.XMLResourceError, ValueError, RecursionError) as exc:
        raise invalid("bank_file_not_xml", "the file cannot be read as XML") from exc


def _where(cause: BaseException | None) -> str:
    position = getattr(cause, "position", None)
    if isinstance(position, tuple) and len(position) == 2:
        return f" (line {position[0]}, column {position[1]})"
    return ""


def message_type(root: ET.Element) -> MessageType:
    """The message a document claims to be, from its root's namespace; only the versions vfund
    reads are accepted."""
    namespace, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", "")
    supported = ", ".join(m.name for m in SUPPORTED)
    if local != "Document" or not namespace.startswith(ISO_PREFIX):
        raise invalid(
            "bank_file_unsupported",
            f"the file is not an ISO 20022 Document; vfund reads {supported}",
        )
    name = namespace.removeprefix(ISO_PREFIX)
    for message in SUPPORTED:
        if message.name == name:
            return message
    raise invalid(
        "bank_file_unsupported", f"{name[:40]} is not read by vfund; it reads {supported}"
    )


def _plain(text: str) -> str:
    return _ATTRIBUTE_VALUE.sub(r"\1", _NAMESPACE.sub("", text))


def describe(error: xmlschema.XMLSchemaValidationError) -> dict[str, Any]:
    """One schema error as a field problem: the element path and the rule broken, in the
    schema's words, without the offending value or the validator's internals."""
    field = _plain(error.path or "/")
    if isinstance(error, xmlschema.XMLSchemaDecodeError):
        kind = getattr(error.validator, "local_name", None) or "the type the schema requires"
        return _problem(field, "schema_type", f"the value is not a valid {kind}")
    if isinstance(error, xmlschema.XMLSchemaChildrenValidationError):
        return _problem(field, "schema_structure", _plain(error.reason or ""))
    if type(error.validator).__name__.endswith(_RULES_WITHOUT_VALUES):
        return _problem(field, "schema_value", _plain(error.reason or ""))
    return _problem(field, "schema_value", "the content is not what the schema allows here")


def validate(data: bytes, *, max_bytes: int = MAX_BYTES) -> tuple[MessageType, ET.Element]:
    """The file's message type and its parsed root, once it is known to conform to the official
    XSD of that type. Refuses (422) empty, oversized, unsafe, malformed, unsupported or
    non-conforming files, naming what is wrong."""
    _bounded(data, max_bytes)
    _Guard().check(data)
    resource = _resource(data)
    root = resource.root
    message = message_type(root)
    errors: list[dict[str, Any]] = []
    count = 0
    try:
        for error in schema_for(message).iter_errors(resource):
            count += 1
            if len(errors) < MAX_ERRORS:
                errors.append(describe(error))
    except (xmlschema.XMLResourceError, RecursionError) as exc:
        raise invalid("bank_file_too_large", "the file is too large or too deep to check") from exc
    if count:
        more = f" (the first {MAX_ERRORS} are listed)" if count > MAX_ERRORS else ""
        raise invalid(
            "bank_file_invalid",
            f"the file does not conform to the {message.name} schema: {count} error(s){more}",
            errors,
        )
    return message, root
